"""The working-day calendar (工作日历): official holidays and adjusted working days (调休)."""

from django.db import models


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", "放假（非工作日）"
    WORKDAY = "workday", "调休上班（工作日）"


class CalendarDay(models.Model):
    """A day whose status an administrator sets by hand: a holiday, or a weekend day that is a
    working day. Entries here win over the built-in schedule, and are the only source for years
    the built-in schedule does not cover."""

    date = models.DateField("日期", unique=True)
    kind = models.CharField("类型", max_length=16, choices=DayKind.choices)
    name = models.CharField("名称", max_length=50, blank=True, help_text="如：国庆节、国庆调休")

    class Meta:
        verbose_name = "节假日安排"
        verbose_name_plural = "节假日安排"
        ordering = ["-date"]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()} {self.name}".strip()
