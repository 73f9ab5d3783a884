"""What goes into the hall's search index, built in bulk (a handful of queries per chunk)."""

from collections import defaultdict

from django.db import transaction
from django.db.models import Q

from catalogue.choices import PowerStatus, PowerType
from catalogue.models import DepartmentPage, LegalBasis, PowerPage
from catalogue.selectors import restricted_paths
from laws.models import Law, LawArticle
from laws.numerals import article_numbers
from topics.models import TopicPage

from . import es_hall, vocabulary
from .models import DocumentKind, SearchDocument
from .segmentation import bigrams, index_text

STATUS_BOOST = {PowerStatus.IN_FORCE: 1.0, PowerStatus.SUSPENDED: 0.6, PowerStatus.CANCELLED: 0.4}


def _site_root() -> str:
    from wagtail.models import Site

    site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
    return site.root_page.url_path if site else "/"


def _public_path(url_path: str, root: str) -> str:
    """The public address of a page from its url_path (which starts with the site root's)."""
    return "/" + url_path[len(root) :] if url_path.startswith(root) else url_path


def _is_public(page, restricted):
    return page.live and not any(page.path.startswith(path) for path in restricted)


# Block fields that hold codes or numbers, not words a citizen would search for.
NON_TEXT_BLOCK_FIELDS = {"form", "tier", "copies", "required", "time_limit"}


def _stream_text(stream):
    parts = []
    for child in stream:
        for key, value in child.value.items():
            if key not in NON_TEXT_BLOCK_FIELDS and isinstance(value, str) and value:
                parts.append(value)
    return "\n".join(parts)


class _Segmenter:
    """Segmentation for a batch of documents, each distinct line once: many powers cite the same
    law articles and share departments, tags and phrases. Segmenting line by line gives the same
    tokens as segmenting the whole text (words and character pairs never span a line break)."""

    def __init__(self):
        self._words, self._grams = {}, {}

    def words(self, text: str) -> str:
        return " ".join(filter(None, (self._line(self._words, line, index_text)
                                      for line in text.split("\n"))))  # fmt: skip

    def grams(self, text: str) -> str:
        return " ".join(filter(None, (self._line(self._grams, line, _grams_text)
                                      for line in text.split("\n"))))  # fmt: skip

    @staticmethod
    def _line(cache, line, segment):
        if line not in cache:
            cache[line] = segment(line)
        return cache[line]


def _grams_text(text):
    return " ".join(bigrams(text))


def _document(kind, obj_id, segmenter=None, **values):
    segmenter = segmenter or _Segmenter()
    name, basis, body = values.pop("name"), values.pop("basis", ""), values.pop("body", "")
    citations = values.pop("citations", "")
    code = values.get("code", "")
    # Character pairs (for recall whatever the segmentation) of a power's name and legal basis:
    # its own words. Pairs of its materials and steps would have most powers match most queries
    # (身份证 is in nearly every power's materials); those are found by their words. Articles,
    # departments and topics are few: all their text is paired.
    paired = f"{name}\n{basis}" if kind == DocumentKind.POWER else f"{name}\n{basis}\n{body}"
    return SearchDocument(
        kind=kind,
        object_id=obj_id,
        name_words=segmenter.words(name),
        code_words=segmenter.words(code),
        basis_words=segmenter.words(basis),
        body_words=segmenter.words(body),
        grams=segmenter.grams(paired),
        name_grams=segmenter.grams(name),
        citation_words=segmenter.words(citations),
        basis_text=basis,
        body_text=body,
        **values,
    )


def power_documents(powers) -> tuple[list[SearchDocument], list[int]]:
    """(documents for the live, public powers; ids of those that must leave the index)."""
    powers = list(powers)
    restricted = restricted_paths()
    public = [p for p in powers if _is_public(p, restricted)]
    public_ids = {p.pk for p in public}
    gone = [p.pk for p in powers if p.pk not in public_ids]
    if not public:
        return [], gone
    departments = {
        d.path: d
        for d in DepartmentPage.objects.filter(
            path__in={p.path[: -PowerPage.steplen] for p in public}
        ).only("id", "path", "title", "short_name")
    }
    bases = defaultdict(list)
    for basis in (
        LegalBasis.objects.filter(power__in=public).select_related("law").order_by("sort_order")
    ):
        bases[basis.power_id].append(basis)
    wanted = defaultdict(set)
    for items in bases.values():
        for basis in items:
            if basis.law_id:
                wanted[basis.law_id].update(article_numbers(basis.articles))
    article_text = {}
    if wanted:
        articles = LawArticle.objects.filter(
            law_id__in=wanted, ordinal__in={n for numbers in wanted.values() for n in numbers}
        ).only("law_id", "ordinal", "text")
        article_text = {(a.law_id, a.ordinal): a.text for a in articles}
    tags = defaultdict(list)
    # In the order of their names: the database returns them in no set order, and a document
    # must come out the same while its power is unchanged (replace_documents keeps it then).
    tagged = PowerPage.tags.through.objects.filter(content_object__in=public)
    for item in tagged.select_related("tag").order_by("tag__name"):
        tags[item.content_object_id].append(item.tag.name)

    documents, root, segmenter = [], _site_root(), _Segmenter()
    for power in public:
        department = departments.get(power.path[: -PowerPage.steplen])
        basis_lines, citations = [], []
        for basis in bases[power.pk]:
            law = basis.law
            title = law.title if law else basis.law_title
            short = law.short_title if law else ""
            line = f"《{title}》{short} {basis.articles}"
            citations.append(line)
            texts = [
                article_text.get((basis.law_id, n), "") for n in article_numbers(basis.articles)
            ]
            basis_lines.append(" ".join([line, *filter(None, texts), basis.quote]).strip())
        # Most telling text first: snippets are cut from here when the name alone matched.
        body = "\n".join(
            filter(
                None,
                [
                    power.acceptance_conditions,
                    _stream_text(power.materials),
                    _stream_text(power.steps),
                    power.result_name,
                    power.service_mode,
                    power.fee_standard if not power.fee_free else "不收费",
                    power.fee_basis,
                    _stream_text(power.discretion),
                    power.rights_note,
                    " ".join(tags[power.pk]),
                    power.handling_agency,
                    PowerType(power.power_type).label,
                    department.title if department else "",
                    department.short_name if department else "",
                ],
            )
        )
        documents.append(
            _document(
                DocumentKind.POWER,
                power.pk,
                segmenter,
                name=power.title,
                basis="\n".join(basis_lines),
                citations="\n".join(citations),
                body=body,
                title=power.title[:300],
                url=_public_path(power.url_path, root),
                code=power.code,
                power_type=power.power_type,
                department_id=department.pk if department else None,
                status=power.status,
                boost=STATUS_BOOST.get(power.status, 0.5),
            )
        )
    return documents, gone


def department_documents(departments):
    departments = list(departments)
    restricted = restricted_paths()
    public = [d for d in departments if _is_public(d, restricted)]
    root = _site_root()
    documents = [
        _document(
            DocumentKind.DEPARTMENT,
            d.pk,
            name=f"{d.title} {d.short_name}",
            body=d.description,
            title=d.title,
            url=_public_path(d.url_path, root),
            code=d.code,
            department_id=d.pk,
        )
        for d in public
    ]
    return documents, [d.pk for d in departments if d not in public]


def article_documents(laws):
    laws = list(laws)
    articles = LawArticle.objects.filter(law__in=laws).select_related("law").order_by("sort_order")
    return [
        _document(
            DocumentKind.ARTICLE,
            article.pk,
            name=f"{article.law.title} {article.law.short_title} {article.number}",
            body=article.text,
            title=f"《{article.law.title}》{article.number}",
            url=f"{_law_url(article.law)}{article.anchor}",
            status=article.law.status,
            boost=1.0 if article.law.status == "in_force" else 0.5,
        )
        for article in articles
    ]


def topic_documents(topics):
    """Life-event topics: found by their title and the everyday words people use for the event
    (the name), then by who they are for, their introduction and their items' names."""
    from topics.selectors import topic_powers

    topics = list(topics)
    restricted = restricted_paths()
    public = [t for t in topics if _is_public(t, restricted)]
    powers = topic_powers(public) if public else {}
    root = _site_root()
    documents = [
        _document(
            DocumentKind.TOPIC,
            topic.pk,
            name="\n".join([topic.title, *topic.keyword_list]),
            body="\n".join(
                [
                    topic.audience,
                    topic.summary,
                    *(power.title for power in powers.get(topic.pk, [])),
                ]
            ),  # fmt: skip
            title=topic.title[:300],
            url=_public_path(topic.url_path, root),
        )
        for topic in public
    ]
    return documents, [t.pk for t in topics if t not in public]


# What a document is made of: every stored column but its id (the full-text vectors are
# computed from these by the database).
_CONTENT = [f.attname for f in SearchDocument._meta.concrete_fields if not f.primary_key]
# Where a document's object id sits in a row of (pk, *_CONTENT).
_OBJECT_ID = 1 + _CONTENT.index("object_id")


def _content(document) -> tuple:
    return tuple(getattr(document, name) for name in _CONTENT)


@transaction.atomic
def replace_documents(kind, documents, remove_ids=()) -> list[int]:
    """Write documents of one kind, replacing any earlier version of the same objects. A
    document identical to the one indexed is left as it is: re-indexing an unchanged catalogue
    (`update_index`) then writes no row and no full-text posting. Returns the ids of the
    documents so kept."""
    kept = {}
    if documents:
        current = SearchDocument.objects.filter(
            kind=kind, object_id__in=[d.object_id for d in documents]
        ).values_list("pk", *_CONTENT)
        indexed = {row[_OBJECT_ID]: row for row in current}
        for document in documents:
            row = indexed.get(document.object_id)
            if row is not None and row[1:] == _content(document):
                kept[document.object_id] = row[0]
    changed = [d for d in documents if d.object_id not in kept]
    ids = [d.object_id for d in changed] + list(remove_ids)
    if ids:
        SearchDocument.objects.filter(kind=kind, object_id__in=ids).delete()
    SearchDocument.objects.bulk_create(changed, batch_size=500)
    # Elasticsearch is sent every document: a rebuild there keeps only what it was sent.
    es_hall.sync(kind, documents, remove_ids)
    if changed or remove_ids:
        vocabulary.index_changed()
    return list(kept.values())


def index_objects(model, objs) -> list[int]:
    """Index whatever the hall shows of these objects (other models are ignored). Returns the
    ids of the documents that were already up to date (replace_documents)."""
    if issubclass(model, PowerPage):
        documents, gone = power_documents(objs)
        return replace_documents(DocumentKind.POWER, documents, gone)
    if issubclass(model, DepartmentPage):
        documents, gone = department_documents(objs)
        return replace_documents(DocumentKind.DEPARTMENT, documents, gone)
    if issubclass(model, TopicPage):
        documents, gone = topic_documents(objs)
        return replace_documents(DocumentKind.TOPIC, documents, gone)
    if issubclass(model, Law):
        laws = list(objs)
        documents = article_documents(laws)
        current = {d.object_id for d in documents}
        # Articles a law no longer has (a new version renumbered them) leave the index.
        indexed = _law_documents(laws).values_list("object_id", flat=True)
        gone = [object_id for object_id in indexed if object_id not in current]
        return replace_documents(DocumentKind.ARTICLE, documents, gone)
    return []


def _law_url(law) -> str:
    """What the addresses of a law's articles start with (article_documents)."""
    return f"/laws/{law.pk}/#"


def _law_documents(laws):
    """The indexed articles of these laws, found by their addresses in the database."""
    prefixes = Q()
    for law in laws:
        prefixes |= Q(url__startswith=_law_url(law))
    if not prefixes:
        return SearchDocument.objects.none()
    return SearchDocument.objects.filter(prefixes, kind=DocumentKind.ARTICLE)


def unindex_object(obj):
    if isinstance(obj, PowerPage):
        kind, documents = DocumentKind.POWER, SearchDocument.objects.filter(object_id=obj.pk)
    elif isinstance(obj, DepartmentPage):
        kind, documents = DocumentKind.DEPARTMENT, SearchDocument.objects.filter(object_id=obj.pk)
    elif isinstance(obj, TopicPage):
        kind, documents = DocumentKind.TOPIC, SearchDocument.objects.filter(object_id=obj.pk)
    elif isinstance(obj, Law):
        kind, documents = DocumentKind.ARTICLE, _law_documents([obj])
    else:
        return
    documents = documents.filter(kind=kind)
    if es_hall.enabled():
        es_hall.sync(kind, [], list(documents.values_list("object_id", flat=True)))
    documents.delete()
