"""The hall's search index, its dictionary and synonyms, and the search log."""

from django.db import models


class DocumentKind(models.TextChoices):
    POWER = "power", "行政权力事项"
    DEPARTMENT = "department", "部门"
    ARTICLE = "article", "法规条文"
    TOPIC = "topic", "一件事"


class SearchDocument(models.Model):
    """One searchable thing of the public hall, as citizens may see it: a live power, a
    department or an article of a law. Only live, public content is ever written here.

    The *_words columns hold segmented text (space-separated tokens); `grams` holds character
    pairs for recall. SQLite searches them with an FTS5 table, PostgreSQL with a tsvector
    (see search/engine.py and the migration)."""

    kind = models.CharField(max_length=16, choices=DocumentKind.choices)
    object_id = models.PositiveBigIntegerField()
    title = models.CharField(max_length=300)
    url = models.CharField(max_length=500)
    code = models.CharField(max_length=64, blank=True, db_index=True)
    power_type = models.CharField(max_length=2, blank=True)
    department_id = models.PositiveBigIntegerField(null=True, blank=True)
    status = models.CharField(max_length=16, blank=True)
    # Ranking: powers in force first (1.0), suspended or cancelled below.
    boost = models.FloatField(default=1.0)
    name_words = models.TextField(blank=True)
    code_words = models.TextField(blank=True)
    basis_words = models.TextField(blank=True)
    body_words = models.TextField(blank=True)
    grams = models.TextField(blank=True)
    # The character pairs of the name alone, and the laws and articles a power cites (without
    # the articles' text): with the name's and code's words, the small vector PostgreSQL ranks
    # many matches by before it reads their whole vectors (migration 0008).
    name_grams = models.TextField(blank=True)
    citation_words = models.TextField(blank=True)
    # The original text that snippets are cut from.
    basis_text = models.TextField(blank=True)
    body_text = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="search_document_unique")
        ]
        indexes = [
            models.Index(fields=["kind", "power_type", "status"]),
            models.Index(fields=["kind", "title"]),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}：{self.title}"


class DictionaryWord(models.Model):
    """A domain word the segmenter must keep whole (e.g. 网约车). Rebuild the index after adding
    words (`manage.py update_index`) so that existing text is cut the new way."""

    word = models.CharField("词语", max_length=30, unique=True)
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "搜索词典"
        verbose_name_plural = "搜索词典"
        ordering = ["word"]

    def __str__(self):
        return self.word


class Synonym(models.Model):
    """Words that mean the same to citizens (营业执照、工商登记): a search for one finds all."""

    terms = models.CharField(
        "同义词组",
        max_length=300,
        help_text="用顿号、逗号或空格分隔，如：营业执照、工商登记",
    )

    class Meta:
        verbose_name = "同义词"
        verbose_name_plural = "同义词"
        ordering = ["id"]

    def __str__(self):
        return self.terms

    @property
    def term_list(self):
        import re

        return [term for term in re.split(r"[、，,;；\s]+", self.terms) if term]


class Intent(models.Model):
    """What citizens say and the catalogue's words for it (养条狗 → 犬类准养证): a query containing
    one of the phrases is searched with the words instead (any of them may match). The built-in
    intents are in search/lexicon/intents.txt; these are the administrators' own."""

    phrases = models.CharField(
        "市民的说法",
        max_length=300,
        help_text="用顿号、逗号或空格分隔，每个说法两个字以上，如：养条狗、养狗",
    )
    words = models.CharField(
        "目录里的说法",
        max_length=300,
        help_text="事项名称里的词，用顿号分隔，如：犬类准养证。搜索时命中其中任一词即可。",
    )
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "搜索意图"
        verbose_name_plural = "搜索意图"
        ordering = ["id"]

    def __str__(self):
        return f"{self.phrases} → {self.words}"

    @property
    def phrase_list(self):
        from .lexicon import split_terms

        return [term for term in split_terms(self.phrases) if len(term) > 1]

    @property
    def word_list(self):
        from .lexicon import split_terms

        return split_terms(self.words)


class SearchLogEntry(models.Model):
    """One search of the hall: the query, how many results, how long. Nothing identifies the
    person who searched."""

    query = models.CharField("搜索词", max_length=100, db_index=True)
    results = models.PositiveIntegerField("结果数")
    duration_ms = models.PositiveIntegerField("用时（毫秒）")
    searched_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    # The query the results were for, when the search corrected a typo (营业只照 → 营业执照).
    corrected = models.CharField("按此搜索", max_length=100, blank=True)
    clicks = models.PositiveIntegerField("点击结果次数", default=0)
    # When no phrase of the lexicon was in the query but the search read it as a situation the
    # lexicon knows (Understanding.guess): the words that said it, as one (外地医院看病), and the
    # catalogue's words they were read as (异地就医、异地转诊). 搜索词学习 lists them to confirm.
    guessed = models.CharField("猜测的说法", max_length=100, blank=True)
    guessed_as = models.CharField("猜测为", max_length=300, blank=True)

    class Meta:
        verbose_name = "搜索记录"
        verbose_name_plural = "搜索记录"
        ordering = ["-searched_at"]
