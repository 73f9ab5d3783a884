"""Deployment checks (`manage.py check --deploy`): what the flowchart's PNG and the guide's PDF
need from the server beyond Python packages."""

from django.core import checks


@checks.register(checks.Tags.compatibility, deploy=True)
def flowchart_and_guide_dependencies(app_configs, **kwargs):
    from .flowchart import png_available
    from .guide import pdf_available

    found = []
    if not png_available():
        found.append(
            checks.Warning(
                "没有找到中文字体：流程图的 PNG 图片中的文字将无法显示。",
                hint="安装 fonts-noto-cjk（Debian/Ubuntu：apt-get install fonts-noto-cjk）。",
                id="catalogue.W001",
            )
        )
    if not pdf_available():
        found.append(
            checks.Warning(
                "WeasyPrint 无法加载 Pango：办事指南的 PDF 下载将不可用（浏览器打印不受影响）。",
                hint="安装 Pango（Debian/Ubuntu：apt-get install libpango-1.0-0）。",
                id="catalogue.W002",
            )
        )
    return found
