from django.apps import AppConfig


class ImportDataConfig(AppConfig):
    name = "import_data"
    verbose_name = "数据导入导出"
