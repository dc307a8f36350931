"""What a receipt shows: plain, already formatted values; the receipt computes nothing.

Dates arrive as display strings (Gregorian and Hijri) so that the calendar rules stay in
the domain; the policy numbers (working days, office hours) arrive with their defaults
from resources/policy.toml.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReceiptData:
    number: str  # display form, e.g. "101-03-26-00042-7" (digits and dashes)
    barcode_value: str  # ASCII digits only; encoded in the Code 128 barcode and the QR code
    service_name_ar: str
    service_name_en: str
    applicant_name: str  # Arabic or Latin
    applicant_id_masked: str  # e.g. "******1234"
    submitted_at: str  # e.g. "25 نوفمبر 2026 10:42" (Gregorian)
    submitted_at_hijri: str  # e.g. "5 جمادى الآخرة 1448 هـ"
    due_date: str
    due_date_hijri: str
    follow_up_from: str
    follow_up_from_hijri: str
    documents: tuple[str, ...]  # labels of the documents received (Arabic)
    description: str  # may be long, several paragraphs, Arabic with Latin and digits
    clerk: str
    centre_name: str
    directorate_name: str
    counter: str
    enquiry_phone: str = "00966114771100"
    copy: bool = False  # a reprint: marked "نسخة / COPY"
    former_numbers: tuple[str, ...] = ()  # display forms it had before `tawasul sync renumber`
    # From the policy (timing.resolution_working_days, calendar.*); defaults match policy.toml.
    resolution_working_days: int = 7
    office_opens: str = "08:00"
    office_closes: str = "14:30"
    working_weekdays: tuple[int, ...] = (7, 1, 2, 3, 4)  # ISO weekdays, Sunday to Thursday
    # The person concerned when it is not the applicant (a sponsor's worker, a parent…):
    # name, masked identity number and their relation to the applicant, Arabic and English.
    beneficiary_name: str = ""
    beneficiary_id_masked: str = ""
    relation_ar: str = ""
    relation_en: str = ""
    # The service's own fields as (label Arabic, label English, value shown), in the
    # catalogue's order: passport action, report number…
    service_fields: tuple[tuple[str, str, str], ...] = ()

    def __post_init__(self) -> None:
        if not self.barcode_value or not (
            self.barcode_value.isascii() and self.barcode_value.isdigit()
        ):
            raise ValueError("barcode_value must be ASCII digits only")
        if not self.number.strip():
            raise ValueError("number must not be empty")
        if not self.working_weekdays or any(not 1 <= d <= 7 for d in self.working_weekdays):
            raise ValueError("working_weekdays must be ISO weekday numbers 1 to 7")
