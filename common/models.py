"""The one table of common: rate-limit counters (common.ratelimit), when Redis is absent."""

from django.db import models


class RateCounter(models.Model):
    """Events counted for a hashed key (name, who, window) until the window ends."""

    key = models.CharField(max_length=40, primary_key=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "限流计数"
        verbose_name_plural = "限流计数"
