"""网上申报: a citizen applies from the power's page with the listed materials, and gets a
receipt with the case number, the password (once) and a QR code to the lookup; the case waits
for the department. Bad applicant data comes back beside its field; a file that is not really a
PDF, JPEG or PNG, or too large, is refused in Chinese and nothing is written."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.models import Case, CaseMaterial, Channel, State
from tests.factories import publish_power, road_transport_licence

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64
HTML = b"<html><script>alert(1)</script></html>"
FORM = {"applicant_type": "person", "applicant_name": "欧阳娜娜",
        "applicant_id_type": "id_card", "applicant_id_no": "11010519491231002X",
        "contact_phone": "13912345678", "address": "成华区建设北路二段4号"}  # fmt: skip


def upload(content=PDF, name="申请表.pdf", content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def stored_files():
    root = Path(settings.CASE_FILES_ROOT)
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def apply(client, power, **changes):
    data = {**FORM, "material-1": upload(), **changes}
    return client.post(
        f"/cases/apply/{power.code}/", {k: v for k, v in data.items() if v is not None}
    )


def test_a_citizen_applies_online_and_gets_a_receipt_with_number_password_and_qr_code(
    client, licence
):
    form = client.get(f"/cases/apply/{licence.code}/")
    assert form.status_code == 200
    assert "道路货物运输经营申请表" in form.content.decode()

    before = stored_files()
    response = apply(client, licence)
    assert response.status_code == 200
    html = response.content.decode()
    case = Case.objects.get()
    assert case.state == State.SUBMITTED and case.channel == Channel.ONLINE
    assert case.case_no in html and "受理回执" in html and "<svg" in html
    assert f"/cases/lookup/?no={case.case_no}" in html
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    password = response.context["receipt_password"]
    assert len(password) == 6 and password in html
    assert password not in response.context["receipt_lookup_url"]

    material = CaseMaterial.objects.get(case=case)
    assert material.received and material.content_type == "application/pdf"
    assert material.file.name.endswith(".pdf") and "申请表" not in material.file.name
    path = Path(material.file.path)
    assert path.read_bytes() == PDF
    assert str(path).startswith(str(Path(settings.CASE_FILES_ROOT).resolve()))
    assert not str(path).startswith(str(Path(settings.MEDIA_ROOT).resolve()))
    assert len(stored_files()) == len(before) + 1


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (upload(EXE, "申请表.pdf"), "不是 PDF、JPG 或 PNG 格式"),
        (upload(HTML, "申请表.pdf", "application/pdf"), "不是 PDF、JPG 或 PNG 格式"),
        (upload(b"", "申请表.pdf"), "文件是空的"),
    ],
)
def test_a_file_that_is_not_what_its_name_says_is_refused_and_nothing_is_written(
    client, licence, bad, message
):
    before = stored_files()
    response = apply(client, licence, **{"material-1": bad})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Case.objects.count() == 0 and stored_files() == before
    # A real PNG under the same name goes through.
    assert apply(client, licence, **{"material-1": upload(PNG, "申请表.pdf")}).status_code == 200
    assert Case.objects.get().materials.get().content_type == "image/png"


def test_an_oversized_file_and_too_much_altogether_are_refused(client, licence, settings):
    settings.CASE_UPLOAD_MAX_FILE_BYTES = 1024
    big = upload(PDF + b"0" * 2048)
    response = apply(client, licence, **{"material-1": big})
    assert response.status_code == 400
    assert "文件过大" in response.content.decode() and Case.objects.count() == 0
    settings.CASE_UPLOAD_MAX_FILE_BYTES = 10_000
    settings.CASE_UPLOAD_MAX_TOTAL_BYTES = 100
    response = apply(client, licence, **{"material-1": upload(PDF + b"0" * 200)})
    assert response.status_code == 400 and "合计" in response.content.decode()
    assert Case.objects.count() == 0
    settings.CASE_UPLOAD_MAX_TOTAL_BYTES = 10_000
    assert apply(client, licence).status_code == 200


def test_bad_applicant_data_comes_back_beside_its_field(client, licence):
    response = apply(client, licence, applicant_id_no="110105194912310021",
                     contact_phone="12345", **{"material-1": None})  # fmt: skip
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="ap-id-no-error"' in html and "校验码" in html
    assert 'id="ap-phone-error"' in html and "联系电话格式不正确" in html
    assert "请上传“道路货物运输经营申请表”" in html
    assert Case.objects.count() == 0
    assert "欧阳娜娜" in html  # what was typed is kept


def test_a_power_without_online_application_sends_the_citizen_to_the_window(client, db):
    power = publish_power(road_transport_licence(online_depth=2))
    assert client.get(f"/cases/apply/{power.code}/").status_code == 404
    assert apply(client, power).status_code == 404
    assert f"/cases/apply/{power.code}/" not in client.get(power.url).content.decode()
    assert Case.objects.count() == 0


def test_applications_from_one_address_are_limited(client, licence, settings):
    settings.CASE_APPLICATION_LIMITS = {"ip_per_hour": 2, "ip_per_day": 30}
    assert apply(client, licence).status_code == 200
    assert apply(client, licence).status_code == 200
    refused = apply(client, licence)
    assert refused.status_code == 429 and "提交过于频繁" in refused.content.decode()
    assert Case.objects.count() == 2


def test_a_suspended_power_takes_no_applications(client, db):
    from cases import services
    from cases.applicants import Applicant
    from cases.services import CaseError

    power = publish_power(road_transport_licence(online_depth=4, status="suspended"))
    response = client.get(f"/cases/apply/{power.code}/")
    assert response.status_code == 404 and "暂停实施" in response.content.decode()
    assert apply(client, power).status_code == 404
    person = Applicant.clean(
        {"type": "person", "name": "欧阳娜娜", "id_no": FORM["applicant_id_no"]}
    )
    with pytest.raises(CaseError, match="暂停实施"):
        services.application_submit(power, person)
    assert Case.objects.count() == 0


def test_an_application_refused_after_its_files_were_stored_leaves_no_file_behind(licence):
    """A file is written to the case files as its material is saved; when a later part of the
    application is refused (here a material the power does not list), the case is rolled back
    and the files written so far are removed with it: nothing of the applicant stays."""
    from cases import services
    from cases.applicants import Applicant
    from cases.services import CaseError
    from cases.uploads import check

    person = Applicant.clean(
        {"type": "person", "name": "欧阳娜娜", "id_no": FORM["applicant_id_no"]}
    )
    form = check(upload(), label="申请表", number=1)
    name = "道路货物运输经营申请表"  # a material the licence lists
    before = stored_files()
    with pytest.raises(CaseError, match="不是该事项的申请材料"):
        services.application_submit(
            licence,
            person,
            files=[(name, form), ("一张无关的照片", check(upload(), label="照片", number=2))],
        )
    assert Case.objects.count() == 0 and stored_files() == before

    opened = services.application_submit(
        licence, person, files=[(name, check(upload(), label="申请表", number=1))]
    )
    assert len(stored_files()) == len(before) + 1
    assert opened.case.materials.get(name=name).received
