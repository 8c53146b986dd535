"""Contact masking, table-driven (issues 16 and 18): national and international phone shapes
of the UK, North America, Belarus, Ukraine and Russia are masked; dates, amounts,
percentages, year ranges and NPS intervals are not; internationalised e-mail addresses are;
text hidden by entities or invisible characters is read as a reader sees it."""

import pytest

from loyalty_lib.inputs.privacy import mask_contacts, mask_identifier, reveal_text, safe_label

# Formats as the national numbering plans write them: Ofcom's drama range 020 7946 0xxx,
# the NANP 555 fictional range, Belarus (+375, trunk 8 0xx), Ukraine (+380), Russia (+7).
PHONES = [
    "020 7946 0001",
    "555-123-4567",
    "(555) 123-4567",
    "+375 29 123-45-67",
    "+380 (44) 123 45 67",
    "+7 (495) 123-45-67",
    "8 (029) 123-45-67",
    "8-800-555-35-35",
    "+44 20 7946 0958",
    "0044 20 7946 0958",
    "+375291234567",
    "044 123 45 67",
]
NOT_PHONES = [
    "2024-02-01",
    "01.02.2024",
    "01-02-2024 10:30",
    "1,234,567.89",
    "1 234,5",
    "1 234 567,89",
    "24,3 %",
    "12.5%",
    "2019-2024",
    "+20.9 to +27.6",
    "NPS +24.3 (95% interval +21.5 to +27.0; 3,039 answers)",
    "order 123456789",
    "2024-01-01 00:00:00",
]
EMAILS = ["олена@пошта.укр", "user@bücher.de", "x@xn--80a1acny.xn--j1amh", "anna.k@example.com"]


@pytest.mark.parametrize("strict", [False, True], ids=["comment", "page"])
@pytest.mark.parametrize("phone", PHONES)
def test_phone_formats_are_masked(phone, strict):
    assert mask_contacts(f"call {phone} today", strict=strict) == "call [phone] today"


@pytest.mark.parametrize("strict", [False, True], ids=["comment", "page"])
@pytest.mark.parametrize("text", NOT_PHONES)
def test_dates_amounts_and_intervals_are_not_phones(text, strict):
    assert mask_contacts(text, strict=strict) == text


@pytest.mark.parametrize("strict", [False, True], ids=["comment", "page"])
@pytest.mark.parametrize("email", EMAILS)
def test_internationalised_emails_are_masked(email, strict):
    assert mask_contacts(f"write to {email}, please", strict=strict) == "write to [e-mail], please"


@pytest.mark.parametrize(
    ("hidden", "seen"),
    [
        ("carl&#64;example.com", "carl@example.com"),  # decimal entity of "@"
        ("carl&#x40;example.com", "carl@example.com"),  # hexadecimal entity
        ("carl&amp;#64;example.com", "carl@example.com"),  # encoded twice
        ("carl\uff20example.com", "carl@example.com"),  # fullwidth "@" (NFKC)
        ("bob\u200b@example.com", "bob@example.com"),  # zero-width space
        ("bob@exa\u2060mple\ufeff.com", "bob@example.com"),  # word joiner, BOM
        ("\u202emoc.elpmaxe@nahtan", "nathan@example.com"),  # right-to-left override
        ("\u2067020\u2069 7946 0001", "020 7946 0001"),  # isolate controls
    ],
)
def test_hidden_contacts_are_read_as_shown_and_masked(hidden, seen):
    assert reveal_text(hidden) == seen
    assert mask_contacts(hidden, strict=True) in ("[e-mail]", "[phone]")


def test_a_reversed_span_is_masked_in_both_orders():
    # after an override the rest of the line shows reversed: 1000 6497 020 on screen
    text = "segments: \u202enahtan@example.com; 020 7946 0001"
    masked = mask_contacts(text, strict=True)
    for contact in ("nathan", "nahtan", "020 7946 0001", "1000 6497 020"):
        assert contact not in masked
    assert masked.count("[e-mail]") == 1 and masked.count("[phone]") == 1


def test_text_without_contacts_keeps_its_writing():
    assert mask_contacts("m² and AT&amp;T, ½ of Ｎorth") == "m² and AT&amp;T, ½ of Ｎorth"
    assert mask_contacts("no\u200bbreak") == "nobreak"  # invisible characters always go


def test_labels_and_ids():
    assert safe_label("+44 20 7946 0958") == "[phone]" and safe_label("North") == "North"
    assert mask_identifier("C00042") == "C00***"  # half kept, the rest starred
    assert mask_identifier(17093) == "17***"
    assert mask_identifier("anna@example.com") == "[e-mail]"
