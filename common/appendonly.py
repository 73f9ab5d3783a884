"""Logs that are only ever appended to (a case's events, a 督办单's entries): the model and its
querysets refuse to change or delete a row, whichever way it is asked. A correction is a new
row. `log_label` names the log in the refusal ("办件日志只能追加，不能修改。")."""

from django.db import models


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError(f"{self.model.log_label}只能追加，不能修改。")

    def delete(self):
        raise TypeError(f"{self.model.log_label}只能追加，不能删除。")


class AppendOnly(models.Model):
    log_label = "日志"

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError(f"{self.log_label}只能追加，不能修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError(f"{self.log_label}只能追加，不能删除。")
