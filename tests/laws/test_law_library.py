"""The law library: what a legal officer sees after `make run` loads the real texts."""

import pytest
from django.core.management import CommandError, call_command

from laws.models import Law, LawLevel, LawStatus
from laws.numerals import article_numbers, chinese_to_int, int_to_chinese
from laws.parsing import LawFormatError, parse_law_file
from laws.services import law_library_load
from tests.factories import LAWS

pytestmark = pytest.mark.django_db


def test_every_law_file_is_in_the_library_with_its_articles():
    assert Law.objects.count() == 36
    licensing = Law.objects.get(title="中华人民共和国行政许可法")
    assert licensing.level == LawLevel.LAW
    assert licensing.issuing_authority == "全国人民代表大会常务委员会"
    assert licensing.articles.count() == 83
    article = licensing.articles.get(ordinal=12)
    assert article.number == "第十二条"
    assert article.text.startswith("下列事项可以设定行政许可")
    assert "（一）直接涉及国家安全" in article.text
    assert article.chapter.startswith("第二章")


def test_versions_of_a_regulation_are_chained_and_only_the_newest_is_in_force():
    versions = list(Law.objects.filter(title="中华人民共和国道路运输条例").order_by("version_date"))
    assert [str(v.version_date) for v in versions] == ["2019-03-02", "2022-03-29", "2023-07-20"]
    assert [v.status for v in versions] == [
        LawStatus.AMENDED,
        LawStatus.AMENDED,
        LawStatus.IN_FORCE,
    ]
    assert versions[2].supersedes == versions[1]
    assert versions[1].supersedes == versions[0]
    assert versions[0].supersedes is None
    assert Law.objects.find_by_title("《道路运输条例》").first() == versions[2]


def test_loading_the_library_again_changes_nothing():
    before = list(Law.objects.values_list("id", "status", "supersedes_id"))
    report = law_library_load(root=LAWS)
    assert report.created == [] and report.updated == []
    assert len(report.unchanged) == 36
    assert list(Law.objects.values_list("id", "status", "supersedes_id")) == before


def test_a_corrected_text_updates_the_stored_articles(tmp_path):
    folder = tmp_path / "行政法"
    folder.mkdir()
    source = LAWS / "行政法" / "行政许可法(2019-04-23).md"
    target = folder / source.name
    target.write_text(
        source.read_text(encoding="utf-8").replace(
            "下列事项可以设定行政许可", "下列事项可以设定许可"
        ),
        encoding="utf-8",
    )
    report = law_library_load(root=tmp_path)
    assert len(report.updated) == 1
    law = Law.objects.get(title="中华人民共和国行政许可法")
    assert law.articles.get(ordinal=12).text.startswith("下列事项可以设定许可")


def test_a_file_without_the_expected_header_is_refused_with_a_chinese_message(tmp_path):
    (tmp_path / "坏文件(2020-01-01).md").write_text("没有标题\n第一条 内容", encoding="utf-8")
    with pytest.raises(LawFormatError, match="INFO END"):
        parse_law_file(tmp_path / "坏文件(2020-01-01).md", tmp_path)
    with pytest.raises(CommandError, match="INFO END"):
        call_command("load_laws", str(tmp_path))
    assert Law.objects.count() == 36

    # with its header, the same file is loaded
    (tmp_path / "坏文件(2020-01-01).md").write_text(
        "# 示例管理办法\n\n2020年1月1日公布\n\n<!-- INFO END -->\n\n第一条 内容。\n",
        encoding="utf-8",
    )
    call_command("load_laws", str(tmp_path))
    assert Law.objects.count() == 37
    assert Law.objects.get(title="示例管理办法").articles.get().text == "内容。"


@pytest.mark.parametrize(
    ("text", "number"),
    [("一", 1), ("十", 10), ("十二", 12), ("二十", 20), ("一百零三", 103), ("一百一十九", 119)],
)
def test_chinese_article_numbers_round_trip(text, number):
    assert chinese_to_int(text) == number
    assert int_to_chinese(number) == text


def test_a_citation_names_its_articles_once_each():
    assert article_numbers("第十二条第一款、第十三条；第十二条") == [12, 13]
    assert article_numbers("全文") == []


def test_a_paragraph_that_mentions_an_article_does_not_start_a_new_one(tmp_path):
    (tmp_path / "示例条例(2020-01-01).md").write_text(
        "# 示例条例\n\n2020年1月1日 国务院令公布\n\n<!-- INFO END -->\n\n## 第一章 总则\n\n"
        "第一条 为了示例，制定本条例。\n\n第二条 适用范围。\n\n第五条规定的情形除外。\n\n"
        "第三条 本条例自2020年1月1日起施行。\n",
        encoding="utf-8",
    )
    parsed = parse_law_file(tmp_path / "示例条例(2020-01-01).md", tmp_path)
    assert [a.number for a in parsed.articles] == ["第一条", "第二条", "第三条"]
    assert "第五条规定的情形除外" in parsed.articles[1].text
    assert str(parsed.effective_date) == "2020-01-01"


def test_a_bad_date_in_a_file_name_is_a_chinese_format_error_a_real_date_is_read(tmp_path):
    text = "# 条例\n<!-- INFO END -->\n\n第一条 内容。\n"
    (tmp_path / "条例(2020-13-45).md").write_text(text, encoding="utf-8")
    with pytest.raises(LawFormatError, match="日期无效"):
        parse_law_file(tmp_path / "条例(2020-13-45).md", tmp_path)
    (tmp_path / "条例(2020-12-25).md").write_text(text, encoding="utf-8")
    parsed = parse_law_file(tmp_path / "条例(2020-12-25).md", tmp_path)
    assert str(parsed.version_date) == "2020-12-25"


def test_a_site_administrator_finds_a_law_in_the_admin_by_part_of_its_title(client):
    from django.urls import reverse

    from tests.factories import site_admin_user

    client.force_login(site_admin_user())
    url = reverse("wagtailsnippets_laws_law:list")
    found = client.get(url, {"q": "道路运输"})
    assert found.status_code == 200 and "中华人民共和国道路运输条例" in found.content.decode()
    assert "中华人民共和国道路运输条例" not in client.get(url, {"q": "食品安全"}).content.decode()
