from decimal import Decimal

from parley.flows import format_value, placeholders, render


def test_a_contact_placeholder_renders_the_stored_value():
    assert render("Hi {{contact.first_name}}!", contact_fields={"first_name": "Ann"}) == "Hi Ann!"


def test_a_missing_value_renders_the_fallback_or_nothing():
    assert render("Hi {{contact.first_name|there}}!") == "Hi there!"
    assert render("Hi {{contact.first_name}}!") == "Hi !"
    assert (
        render("Hi {{ contact.first_name | you }}!", contact_fields={"first_name": ""}) == "Hi you!"
    )


def test_answers_and_visitor_placeholders_render():
    text = "{{answers.size}} people, {{visitor.utm_source|direct}} via {{visitor.referrer|nowhere}}"
    rendered = render(text, answers={"size": "11-200"}, visitor={"utm_source": "ads"})
    assert rendered == "11-200 people, ads via nowhere"


def test_a_choice_answer_renders_its_label():
    rendered = render(
        "You said {{answers.size}}",
        answers={"size": "200+"},
        answer_labels={"size": {"200+": "More than 200"}},
    )
    assert rendered == "You said More than 200"


def test_a_claimed_visitor_never_sees_stored_contact_values():
    rendered = render(
        "Hi {{contact.first_name|there}}, {{contact.company}}: {{answers.size}}",
        contact_fields={"first_name": "Ann", "company": "Acme"},
        answers={"size": "1-10"},
        trust="claimed",
    )
    assert rendered == "Hi there, : 1-10"


def test_cookie_and_verified_visitors_see_their_contact_values():
    for trust in ("cookie", "verified", None):
        assert (
            render("{{contact.company}}", contact_fields={"company": "Acme"}, trust=trust) == "Acme"
        )


def test_values_are_inserted_as_text_without_escaping_or_markup():
    rendered = render(
        "Hi {{contact.first_name}}", contact_fields={"first_name": "<b>Ann & Bob</b>"}
    )
    assert rendered == "Hi <b>Ann & Bob</b>"


def test_placeholders_of_other_namespaces_are_left_as_written():
    assert render("{{ site.name }} and {{contact}}") == "{{ site.name }} and {{contact}}"


def test_values_are_formatted_for_display():
    assert format_value(["crm", "chat"], {"crm": "CRM"}) == "CRM, chat"
    assert format_value(True) == "Yes"
    assert format_value(False) == "No"
    assert format_value(10.0) == "10"
    assert format_value(2.50) == "2.5"
    assert format_value(Decimal("1E+2")) == "100"
    assert format_value(1200) == "1200"
    assert format_value(None) == ""
    assert format_value({"start": "2025-03-01T10:00:00+00:00"}) == "2025-03-01T10:00:00+00:00"


def test_booleans_and_numbers_render_through_placeholders():
    rendered = render(
        "{{contact.newsletter}} / {{contact.employees}} / {{answers.topics}}",
        contact_fields={"newsletter": False, "employees": 250.0},
        answers={"topics": ["crm", "booking"]},
    )
    assert rendered == "No / 250 / crm, booking"


def test_it_lists_the_placeholders_of_a_text():
    text = "Hi {{contact.first_name|there}}, {{answers.size}} {{visitor.page_url}} {{other.x}}"
    assert placeholders(text) == [
        ("contact", "first_name"),
        ("answers", "size"),
        ("visitor", "page_url"),
    ]
