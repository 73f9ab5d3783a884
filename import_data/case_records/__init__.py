"""办件补录 by spreadsheet: the cases a department ran offline (or in its own system), one row per
case, recorded afterwards through cases.services, and the export of case records in the same
columns.

The columns (Chinese headers, in the template's order): 事项编码, 业务系统流水号,
申请人类型, 申请人名称, 证件类型, 证件号码, 联系人, 联系电话, 申办时间, 受理时间, 受理人,
受理岗位, then for each step after 受理 five columns 环节1名称, 环节1办理人, 环节1岗位,
环节1完成时间, 环节1意见 (环节2… likewise), then 办结时间, 办结结果 (准予/不予/部分准予),
结果说明, 不予受理原因, 应收费用, 实收费用, 减免费用. One column per value (not a multi-line
cell) because that is what departments fill in Excel without mistakes: a date
cell stays a date, a name a name. The export adds 办件编号 and 状态 in front; the import reads
办件编号 only to recognise a case already recorded.

django-import-export does what it is good at: the tablib Dataset, the transaction (a dry run and
any row with an error roll everything back: all or nothing), the Result with a RowResult per row
(new, skipped as already recorded, invalid with its errors by column), the XLSX and CSV
export. Rows are never saved as model instances: `CaseRecordResource.import_row` checks a row,
then applies it through cases.services (case_record with the named official who accepted it,
step_complete for each step, case_reject, fee_record), each with an Actor(name, post,
channel=补录, occurred_at, account=the importing user). Files are opened by
import_data.spreadsheet (recognised by content, size and zip-bomb limits, formulas without a
result refused); cells a spreadsheet would run as a formula are neutralised on export.
"""

from .columns import headers, may_backfill, may_record_for
from .importing import ImportReport, RowReport, import_case_records
from .reading import CaseFileError, read_dataset
from .resource import CaseRecordResource, export_file
from .rows import Plan, RowChecker, apply, flow_after_acceptance
from .template import template_workbook

__all__ = [
    "CaseFileError",
    "CaseRecordResource",
    "ImportReport",
    "Plan",
    "RowChecker",
    "RowReport",
    "apply",
    "export_file",
    "flow_after_acceptance",
    "headers",
    "import_case_records",
    "may_backfill",
    "may_record_for",
    "read_dataset",
    "template_workbook",
]
