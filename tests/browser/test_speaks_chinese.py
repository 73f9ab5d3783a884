"""The platform speaks Chinese, from this server alone: every screen each role can open in the
admin, the public hall and the API's documentation show no English outside a short allow-list
of names and codes, dates and times follow Chinese conventions (2026年12月3日 14:30, Beijing
time), and no page asks anything of another host.

Each role signs in through the form and crawls, breadth first, the admin URLs it can reach: the
links on each page and those of the sidebar (rendered by Wagtail's scripts from JSON), one page
per URL pattern (numeric ids, UUIDs and query values collapsed). Every page's visible text, its
user-facing attributes and its menus are read; every request it makes is recorded.
"""

import datetime
import json
import re
import time
from collections import Counter, deque
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import Error as PlaywrightError

from tests.browser.conftest import login
from tests.factories import (
    content_admin_user,
    department_editor,
    legal_office_user,
    load_base_data,
    make_topic,
    make_user,
    publish_power,
    road_transport_licence,
    site_admin_user,
    submit_change,
    supervisor_user,
)

# Latin words (two letters or more) that may appear on a Chinese screen: proper names and codes,
# each a name the staff meet as such in Chinese software and documents. Compared lowercased.
ALLOWED_WORDS = {
    # The admin's software, credited by name (Wagtail's own screens say 使用 Wagtail …).
    "wagtail",
    # Technical abbreviations used as such in Chinese (接口 API, 网址 URL, ID 号, 二维码 QR).
    "api", "url", "id", "qr", "seo", "openapi",
    # File formats, named by their extensions (导出 Excel / XLSX / CSV, PDF 文件, RSS/Atom 订阅).
    "html", "pdf", "png", "jpg", "jpeg", "gif", "webp", "svg", "docx", "zip",
    "rss", "atom", "json", "excel", "xlsx", "csv", "tsv",
    # Products named as such: the search's engines and databases, the office suite whose files
    # the departments send (金山 WPS).
    "elasticsearch", "postgresql", "sqlite", "wps",
    # Units of file sizes (最大文件大小：10 MB).
    "kb", "mb", "gb",
    # Character encodings as Windows and WPS name them (带有 BOM 的 UTF-8, GBK).
    "utf", "bom", "gbk",
    # Scheme names of addresses.
    "http", "https",
}  # fmt: skip

# Text that is data or code, not interface: addresses, e-mail addresses, file names and
# extensions, the case, feedback and 督办 numbers (BJ20261203-7KQ2XF, PJ20261203-G4YJ,
# DB202612030001), Wagtail's content-type codes (catalogue.powerpage) and the date notation of
# file names and formats (YYYY-MM-DD, as GB/T 7408 writes it).
NOT_WORDS = [
    re.compile(r"[a-z][a-z0-9+.-]*://\S+", re.IGNORECASE),  # an address
    re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"),  # an e-mail address
    re.compile(r"\b(?:get|post|put|patch|delete) (?=/)"),  # an HTTP method and its path
    re.compile(r"(?<![\w/])/[\w\-./%?=&{}]*"),  # a path of this site
    re.compile(r"\.(?:xlsx|csv|pdf|png|svg|json|docx|zip|md|txt)\b", re.IGNORECASE),
    re.compile(r"\b[A-Z]{2}\d{8,12}(?:-[0-9A-Z]{4,6})?\b"),  # BJ…, PJ…, DB… numbers
    re.compile(r"\b[a-z_]+\.[a-z_]+\b"),  # app_label.model
    re.compile(r"\bYYYY-MM(?:-DD)?\b"),
    re.compile(r"\b(?:application|text|image)/[\w.+-]+"),  # a media type
]
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
# Dates and times not in Chinese conventions: the American way (12/3/2026; "Dec." and "p.m."
# are English words, found as such) and the 12-hour clock (下午2:30).
NOT_CHINESE_MOMENTS = re.compile(r"\b\d{1,2}/\d{1,2}/\d{4}\b|[上下]午\s*\d{1,2}[:：]\d{2}")
# One listing of pages of a type stands for every type's.
USAGE_OF_A_PAGE_TYPE = re.compile(r"^/admin/pages/usage/\w+/\w+/")
ID_SEGMENT = re.compile(r"/(?:\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/")

# Never opened while crawling: signing out, files rather than pages, and GETs that record
# something (a search click) or only render the public page inside the admin (previews).
SKIP = re.compile(
    r"/logout/|/login/|/preview/|/view_draft/|/search/click/|/search/(json|suggest)/|/feed/"
    r"|/download|[?&](export|format)=|\.(xlsx|csv|pdf|png|svg|json|docx|zip|txt)(\?|$)"
    r"|/api/|/documents/\d+/|/jsi18n/|/admin/bulk/"
)
# Query parameters that only sort or page a listing already read; and at most this many
# combinations of the others (filters) per address.
SAME_SCREEN = {"ordering", "p"}
FILTERS_PER_PATH = 3
MAX_PATTERNS = 200  # per role: more than any role's screens

# What the page says, as its reader meets it: the text on screen (hidden panels and the tabs
# of an edit form opened), the document's title, the attributes read aloud or shown on hover,
# the values of buttons; the closed menus of dropdowns and the sidebar's labels and links.
READ_PAGE = """() => {
  const found = {title: document.title, attributes: [], sidebar: null};
  // the other tabs of an edit form and the closed dropdown menus: one click away
  for (const element of document.querySelectorAll(
      "[role=tabpanel][hidden], [data-w-dropdown-target=content][hidden]")) {
    element.hidden = false;
  }
  found.text = document.body ? document.body.innerText : "";
  const names = ["placeholder", "title", "aria-label", "alt", "aria-description",
                 "data-w-tooltip-content-value"];
  for (const element of document.querySelectorAll("*")) {
    for (const name of names) {
      const value = element.getAttribute(name);
      if (value) found.attributes.push(value);
    }
  }
  for (const button of document.querySelectorAll(
      "input[type=submit], input[type=button], input[type=reset]")) {
    if (button.value) found.attributes.push(button.value);
  }
  const props = document.getElementById("wagtail-sidebar-props");
  if (props) found.sidebar = props.textContent;
  return found;
}"""


# The page as the server sent it, before its scripts ran: Wagtail's dropdown menus (a page's
# 更多 actions, a row's actions) are taken out of the document when their script starts, to be
# shown on a click; their words and links are read from here.
READ_SOURCE = """(html) => {
  const source = new DOMParser().parseFromString(html, "text/html");
  for (const code of source.querySelectorAll("script, style, template")) code.remove();
  const texts = [];
  for (const menu of source.querySelectorAll("[data-w-dropdown-target=content]")) {
    texts.push(menu.textContent);
    for (const element of menu.querySelectorAll("[title], [aria-label]")) {
      texts.push(element.getAttribute("title") || "", element.getAttribute("aria-label") || "");
    }
  }
  const links = [...source.querySelectorAll("a[href]")]
    .map(link => new URL(link.getAttribute("href"), location.href).href);
  return [texts, links];
}"""


def _walk(value, key=None):
    """(key, string) pairs of a JSON document, at any depth."""
    if isinstance(value, dict):
        for name, item in value.items():
            yield from _walk(item, name)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item, key)
    elif isinstance(value, str):
        yield key, value


def english_in(texts, data_tokens):
    """The Latin words in `texts` that are not names or codes, and dates and times written
    otherwise than the Chinese way."""
    words = set()
    for text in texts:
        text = text.replace("\u200b", "")  # zero-width spaces, where long paths may break
        for token in data_tokens:  # usernames, codes: data, shown as typed
            text = text.replace(token, " ")
        for pattern in NOT_WORDS:
            text = pattern.sub(" ", text)
        for word in LATIN_WORD.findall(text):
            if word.lower() not in ALLOWED_WORDS:
                words.add(word)
        words.update(NOT_CHINESE_MOMENTS.findall(text))
    return words


def pattern_of(url):
    """What stands for a screen: the path with its ids collapsed and the names of the filters
    in its query."""
    parts = urlsplit(url)
    path = USAGE_OF_A_PAGE_TYPE.sub("/admin/pages/usage/*/", parts.path)
    while ID_SEGMENT.search(path):
        path = ID_SEGMENT.sub("/N/", path)
    query = parse_qsl(parts.query, keep_blank_values=True)
    keys = sorted({key for key, _value in query if key not in SAME_SCREEN})
    return path + ("?" + "&".join(keys) if keys else "")


class Crawler:
    """Opens pages in one browser page, recording requests to other hosts and English."""

    def __init__(self, page, origin, data_tokens):
        self.page = page
        self.origin = origin
        self.data_tokens = sorted(data_tokens, key=len, reverse=True)
        self.english = {}  # url → words
        self.outside = []  # (page, request)
        self.visited = []
        self.current = None
        self.in_flight = set()
        page.on("request", self._request)
        page.on("requestfinished", lambda request: self.in_flight.discard(request))
        page.on("requestfailed", lambda request: self.in_flight.discard(request))

    def _request(self, request):
        self.in_flight.add(request)
        url = request.url
        if url.startswith(("data:", "blob:", "about:")):
            return
        if not url.startswith(self.origin + "/") and url != self.origin:
            self.outside.append((self.current, url))

    def read(self):
        """What the current page says (texts) and the addresses it links to."""
        found = self.page.evaluate(READ_PAGE)
        texts = [found["text"], found["title"], *found["attributes"]]
        links = self.page.eval_on_selector_all("a[href]", "links => links.map(link => link.href)")
        if found["sidebar"]:
            for key, value in _walk(json.loads(found["sidebar"])):
                if key == "url":
                    links.append(urljoin(self.page.url, value))
                elif key == "label":
                    texts.append(value)
        return texts, links

    def go(self, url):
        """Opens a page and waits for what its scripts ask for once it has loaded (the
        dashboard's, the editor's): a moment for them to start, then until they are answered
        (3 s at most). The response, or None for a download."""
        self.current = url
        try:
            response = self.page.goto(url, wait_until="load")
        except PlaywrightError:  # a download after all
            return None
        self.page.wait_for_timeout(50)
        deadline = time.monotonic() + 3
        while self.in_flight and time.monotonic() < deadline:
            self.page.wait_for_timeout(25)
        return response

    def open(self, url):
        """Opens and reads a page; its links, or None when it is not an HTML page."""
        response = self.go(url)
        if response is None or "text/html" not in response.headers.get("content-type", ""):
            return None
        self.visited.append(url)
        texts, links = self.read()
        menus, source_links = self.page.evaluate(READ_SOURCE, response.text())
        texts += menus
        links += source_links
        words = english_in(texts, self.data_tokens)
        if words:
            self.english[self.page.url] = sorted(words)
        return links

    def crawl(self, start, *, within, extra=(), skip=None, cap=MAX_PATTERNS):
        queue = deque([*start, *extra])
        seen = {pattern_of(url) for url in queue}
        variants = Counter(pattern.split("?")[0] for pattern in seen)
        while queue and len(self.visited) < cap:
            url = queue.popleft()
            links = self.open(url)
            for link in links or ():
                link = link.split("#")[0]
                if not link.startswith(self.origin + within) or SKIP.search(link):
                    continue
                if skip is not None and skip.search(link):
                    continue
                pattern = pattern_of(link)
                path = pattern.split("?")[0]
                if pattern not in seen and variants[path] < FILTERS_PER_PATH:
                    seen.add(pattern)
                    variants[path] += 1
                    queue.append(link)

    def report(self, who):
        lines = [f"{who}: English on {len(self.english)} of {len(self.visited)} pages"]
        lines += [f"  {url} → {', '.join(words)}" for url, words in sorted(self.english.items())]
        return "\n".join(lines)


# The API's documentation (Swagger UI, served here by django-ninja): what is code there is
# read as code — paths, methods, parameter and field names, types, enum values, schema names,
# media types, example bodies — and taken out before reading.
API_CODE_REMOVED = """() => {
  for (const element of document.querySelectorAll(
      "pre, code, .opblock-summary-path, .opblock-summary-method, .parameter__name," +
      " .parameter__type, .parameter__in, .parameter__enum, .parameter__default, .prop-type," +
      " .model-title, .model-box, .models, .response-col_status, .response-control-media-type," +
      " .opblock-tag > a, .opblock-tag > span > a, .version-stamp, .link, select, input")) {
    element.remove();
  }
}"""
# Swagger UI's own words: it has no translations (swagger-api/swagger-ui#2488, open since 2016)
# and no way to give it any short of rewriting its bundle or its page from a script of ours.
SWAGGER_UI_CHROME = (
    "Authorize", "Parameters", "Try it out", "Name", "Description", "Responses", "Links",
    "No links", "Example Value", "Schema", "Collapse operation", "Copy to clipboard",
    "authorization button unlocked", "authorization button locked",
)  # fmt: skip
# The API's own text still in English, in api/ (outside this change).
API_TEXT_IN_ENGLISH = (
    # the API's description names the field code as plain text, not as `code`
    "稳定的 code",
)

SHANGHAI_AFTERNOON = datetime.datetime(2026, 12, 3, 6, 30, tzinfo=datetime.UTC)  # 14:30 北京时间


@pytest.fixture
def world(transactional_db):
    """Two departments' powers, one change awaiting the legal office, a late case with its
    warning and 督办单, a complaint; one member of staff per role."""
    from wagtail.models import PageLogEntry, Site

    from cases import services as cases
    from cases.applicants import Applicant
    from cases.models import CaseStep
    from feedback.models import Kind
    from feedback.services import Submission, feedback_submit
    from supervision.models import Alert
    from supervision.services import order_issue
    from supervision.sweep import sweep
    from tests.cases.conftest import holder

    load_base_data()
    licence = publish_power(road_transport_licence(online_depth=4))
    other = publish_power(road_transport_licence(
        code="511A0142000000-511602000000-000-TEST-2-00", department_code="APPROVAL",
        title="企业投资项目备案", tags=["投资"]))  # fmt: skip
    users = {
        "部门编辑": department_editor(),
        "法制办审核": legal_office_user("fzb"),
        "站点管理员": site_admin_user("zdgl"),
        "内容管理员": content_admin_user("nrgl"),
        "超级管理员": make_user("cjgl", superuser=True),
        "纪检监察": supervisor_user("jjjc"),
    }
    for role, user in users.items():
        user.first_name = role  # shown as the user's name in the admin
        user.save()
    submit_change(licence, users["部门编辑"], promised_time_limit=3)
    window = holder("window", "窗口受理岗")
    holder("reviewer", "审核岗")
    applicant = Applicant.clean(
        {"type": "person", "name": "欧阳娜娜", "id_no": "11010519491231002X"}
    )
    case = cases.window_open(licence, applicant, user=window).case
    CaseStep.objects.filter(case=case, position=1).update(
        due_on=timezone.localdate() - datetime.timedelta(days=6))  # fmt: skip
    sweep()
    order_issue(user=users["法制办审核"], requirement="立即完成审查环节。", days=3,
                alert=Alert.objects.filter(case=case).first())  # fmt: skip
    feedback_submit(Submission(kind=Kind.COMPLAINT, rating=None, comment="窗口让我跑了三趟。",
                               phone="13800138000", power=licence), ip="10.1.1.1")  # fmt: skip
    # A known moment in the other power's history: shown as 2026年12月3日 14:30.
    PageLogEntry.objects.filter(page=other).update(timestamp=SHANGHAI_AFTERNOON)
    make_topic(
        (licence.code, "先取得道路运输经营许可。"), title="开办货运公司一件事", slug="freight"
    )
    tokens = {licence.code, other.code, "TRANSPORT", "APPROVAL", "window", "reviewer"}
    tokens |= {user.username for user in users.values()}
    tokens |= set(Site.objects.values_list("hostname", flat=True))  # localhost
    tokens.add("LawRefBook/Laws")  # the open law library the texts come from (文本来源)
    return {"users": users, "tokens": tokens, "other": other}


def _assert_speaks_chinese(failures, outside):
    assert not outside, "Requests to other hosts:\n" + "\n".join(f"  {p} → {u}" for p, u in outside)
    assert not failures, "\n".join(failures)


@pytest.mark.django_db(transaction=True)
def test_every_admin_screen_of_every_role_speaks_chinese(live_server, open_page, world):
    failures, outside = [], []
    for role, user in world["users"].items():
        page = login(open_page, live_server, user.username)
        crawler = Crawler(page, live_server.url, world["tokens"])
        crawler.crawl(
            [f"{live_server.url}/admin/"],
            within="/admin/",
            # screens a role meets by mistake: an address that does not exist, one it may not open
            extra=[f"{live_server.url}/admin/no-such-screen/", f"{live_server.url}/admin/users/"],
        )
        if crawler.english:
            failures.append(crawler.report(f"{role}（{user.username}）"))
        outside += crawler.outside
        if role == "超级管理员":
            # Wagtail's history shows a moment as its date and time in Beijing, the Chinese way.
            history = f"{live_server.url}/admin/pages/{world['other'].pk}/history/"
            page.goto(history)
            moments = page.eval_on_selector_all(
                "[data-w-tooltip-content-value]",
                "els => els.map(el => el.getAttribute('data-w-tooltip-content-value'))",
            )
            assert "2026年12月3日 14:30" in moments, (history, moments)
        page.context.close()
    _assert_speaks_chinese(failures, outside)


@pytest.mark.django_db(transaction=True)
def test_the_public_hall_speaks_chinese(live_server, open_page, world):
    base = live_server.url
    page = open_page(viewport={"width": 1280, "height": 900})
    crawler = Crawler(page, base, world["tokens"])
    crawler.crawl(
        [f"{base}/"],
        within="/",
        extra=[
            f"{base}/search/?q=道路运输",
            f"{base}/search/?q=火星移民登记",  # nothing found
            f"{base}/feedback/",
            f"{base}/feedback/lookup/",
            f"{base}/evaluation/",
            f"{base}/open-data/",
            f"{base}/adjustments/",
            f"{base}/cases/",
            f"{base}/cases/lookup/",
            f"{base}/performance/",
            f"{base}/laws/",
            f"{base}/no-such-page/",  # the 404 page
        ],
        skip=re.compile(r"/admin/"),
    )
    failures = [crawler.report("网上政务大厅（公众）")] if crawler.english else []
    _assert_speaks_chinese(failures, crawler.outside)


@pytest.mark.django_db(transaction=True)
def test_the_api_documentation_speaks_chinese(live_server, open_page, world):
    page = open_page(viewport={"width": 1280, "height": 900})
    crawler = Crawler(page, live_server.url, world["tokens"])
    crawler.go(f"{live_server.url}/api/v3/docs/")
    page.locator(".opblock-summary").first.click()  # one operation opened: its parameters
    page.locator(".responses-wrapper").first.wait_for()
    page.evaluate(API_CODE_REMOVED)
    texts, _links = crawler.read()
    for phrase in sorted(SWAGGER_UI_CHROME + API_TEXT_IN_ENGLISH, key=len, reverse=True):
        texts = [text.replace(phrase, " ") for text in texts]
    words = english_in(texts, crawler.data_tokens)
    failures = [f"开放接口文档: {crawler.page.url} → {', '.join(sorted(words))}"] if words else []
    _assert_speaks_chinese(failures, crawler.outside)
