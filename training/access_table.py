"""Who gets what from every route: the expected outcome for each role, one line per endpoint.

tests/security/test_access_table.py walks app.url_map, requests every route as every role
(with real objects: a published course of centre A, its lessons and quizzes, another learner's
quiz attempt, ...) and checks these outcomes. A route missing here fails that test, and so
does a line for a route that no longer exists. training/policy.py holds the rules; this table
states what they must produce.

Columns: endpoint, method, then the outcome for
  anon    not signed in
  learner a learner (centre A)
  trainer a trainer of centre A, the centre that owns the course and the other learner
  fred    a trainer of centre B (our bad actor: must see nothing of centre A)
  admin   an administrator
An outcome is an HTTP status (200, 302, 400, 403, 404, ...) or `login` (a redirect to the login
page). POST requests carry a valid CSRF token and an empty form. Optional `name=object` words at
the end of a line pick which test object fills a URL argument (see tests/security/conftest.py,
`world`); by default an argument is filled by the object of the same name.
"""
from dataclasses import dataclass, field

ROLES = ("anon", "learner", "trainer", "fred", "admin")
LOGIN = "login"

TABLE = """
# endpoint                 method  anon   learner trainer fred  admin
learn.home                 GET     200    200     200     200   200
learn.catalogue            GET     200    200     200     200   200
learn.course               GET     200    200     200     200   200
learn.glossary             GET     200    200     200     200   200
learn.my_learning          GET     login  200     200     200   200
learn.resume               GET     login  302     302     302   302
learn.lesson               GET     login  200     200     200   200
learn.enrol                POST    login  302     302     302   302
learn.complete             POST    login  302     302     302   302
quiz.take                  GET     login  200     200     200   200
quiz.take                  POST    login  400     400     400   400
quiz.result                GET     login  404     200     404   200
auth.login                 GET     200    302     302     302   302
auth.login                 POST    200    302     302     302   302
auth.register              GET     200    302     302     302   302
auth.register              POST    200    302     302     302   302
auth.register_code         GET     302    302     302     302   302
auth.register_code         POST    302    302     302     302   302
auth.register_resend       POST    302    302     302     302   302
auth.logout                POST    302    302     302     302   302
auth.choose                GET     login  302     302     302   302
auth.choose                POST    login  302     302     302   302
auth.pin_login             GET     200    302     302     302   302
auth.pin_login             POST    200    302     302     302   302
auth.household             GET     login  200     200     200   200
auth.switch                POST    login  404     404     404   404
auth.forgot                GET     200    302     302     302   302
auth.forgot                POST    422    302     302     302   302
auth.forgot_code           GET     302    302     302     302   302
auth.forgot_code           POST    302    302     302     302   302
auth.forgot_resend         POST    302    302     302     302   302
auth.forgot_who            GET     302    302     302     302   302
auth.forgot_who            POST    302    302     302     302   302
auth.forgot_new            GET     302    302     302     302   302
auth.forgot_new            POST    302    302     302     302   302
main.healthz               GET     200    200     200     200   200
main.media                 GET     200    200     200     200   200
main.set_language          POST    302    302     302     302   302
main.manifest              GET     200    200     200     200   200
static                     GET     200    200     200     200   200
offline.service_worker     GET     200    200     200     200   200
offline.page               GET     200    200     200     200   200
offline.course_files       GET     login  200     200     200   200
account.profile            GET     login  200     200     200   200
account.profile            POST    login  302     302     302   302
account.change_password    GET     login  200     200     200   200
account.change_password    POST    login  200     200     200   200
account.data_json          GET     login  200     200     200   200
account.data_csv           GET     login  200     200     200   200
account.request_deletion   GET     login  200     200     200   200
account.request_deletion   POST    login  200     200     200   200
account.cancel_deletion    POST    login  302     302     302   302
admin.index                GET     login  403     403     403   200
admin.audit_log            GET     login  403     403     403   200
admin.deletion_requests    GET     login  403     403     403   200
admin.anonymize_user       POST    login  403     403     403   302   user_id=requester
admin.centres_list         GET     login  403     403     403   200
admin.centre_form          GET     login  403     403     403   200
admin.centre_form          POST    login  403     403     403   302
admin.new_trainer          GET     login  403     403     403   200
admin.new_trainer          POST    login  403     403     403   422
admin.users                GET     login  403     403     403   200
admin.user_role            GET     login  403     403     403   200
admin.user_role            POST    login  403     403     403   302
classes.index              GET     login  403     200     200   200
classes.new                GET     login  403     200     200   200
classes.new                POST    login  403     422     422   422
classes.detail             GET     login  403     200     403   200
classes.edit               GET     login  403     200     403   200
classes.members_export     GET     login  403     200     403   200
classes.edit               POST    login  403     302     403   302
classes.poster             GET     login  403     200     403   200
classes.remove_member      GET     login  403     200     403   200
classes.remove_member      POST    login  403     200     403   200
classes.import_roster      GET     login  403     200     403   200
classes.import_roster      POST    login  403     422     403   422
classes.new_session        GET     login  403     200     403   200
classes.new_session        POST    login  403     422     403   422
classes.session            GET     login  403     200     403   200
classes.edit_session       GET     login  403     200     403   200
classes.edit_session       POST    login  403     422     403   422
classes.delete_session     GET     login  403     200     403   200
classes.delete_session     POST    login  403     200     403   200
classes.remove_attendee    POST    login  403     404     403   404
classes.roll_call          GET     login  403     200     403   200
classes.roll_call          POST    login  403     302     403   302
classes.paper_sheet        GET     login  403     200     403   200
classes.add_photos         POST    login  403     302     403   302
classes.photo_file         GET     login  403     200     403   200
classes.delete_photo       GET     login  403     200     403   200
classes.delete_photo       POST    login  403     200     403   200
classes.late_window        POST    login  403     422     403   422
classes.checkin_screen     GET     login  403     200     403   200
classes.roster_template    GET     login  403     200     200   200
classes.ledger_page        GET     login  403     200     200   200
classes.export_job         GET     login  403     200     404   404
classes.export_download    GET     login  403     404     404   404
classes.learner            GET     login  403     200     404   200
classes.learner_profile    GET     login  403     200     404   200
classes.learner_profile    POST    login  403     302     404   302
classes.reset_password     POST    login  403     200     404   200
classes.learner_pin        GET     login  403     200     404   200
classes.learner_pin        POST    login  403     200     404   200
classes.clear_pin          POST    login  403     302     404   302
classes.clear_household    POST    login  403     302     404   302
classes.join               GET     login  200     200     200   200
classes.join               POST    login  422     422     422   422
classes.join_code          GET     login  200     200     200   200
classes.join_code          POST    login  302     302     302   302
classes.checkin            GET     login  200     200     200   200   code=checkin_code
classes.checkin            POST    login  302     302     302   302   code=checkin_code
classroom.start            GET     login  403     200     403   200
classroom.start            POST    login  403     422     403   422
classroom.screen           GET     login  403     200     403   200   classroom_id=classroom
classroom.screen_state     GET     login  403     200     403   200   classroom_id=classroom
classroom.control          POST    login  403     302     403   302   classroom_id=classroom
classroom.assist           GET     login  403     200     403   200   classroom_id=classroom
classroom.assist           POST    login  403     422     403   422   classroom_id=classroom
classroom.phone            GET     login  403     302     403   302   code=classroom_code
classroom.phone            POST    login  403     302     403   302   code=classroom_code
classroom.state            GET     login  403     403     403   403   code=classroom_code
author.index               GET     login  403     200     200   200
author.new_course          GET     login  403     200     200   200
author.new_course          POST    login  403     422     422   422
author.import_course       GET     login  403     200     200   200
author.import_course       POST    login  403     422     422   422
author.course              GET     login  403     200     404   200
author.course              POST    login  403     422     404   422
author.publish             POST    login  403     302     404   302
author.unpublish           POST    login  403     302     404   302   course_id=spare_course
author.add_final_exam      POST    login  403     302     404   302
author.export              POST    login  403     200     404   200
author.history             GET     login  403     200     404   200
author.glossary_page       GET     login  403     200     404   200
author.glossary_page       POST    login  403     302     404   302
author.duplicate           GET     login  403     200     404   200
author.duplicate           POST    login  403     422     404   422
author.new_lesson          GET     login  403     200     404   200
author.new_lesson          POST    login  403     422     404   422
author.edit_lesson         GET     login  403     200     404   200
author.edit_lesson         POST    login  403     422     404   422
author.preview_lesson      GET     login  403     200     404   200
author.move_lesson         POST    login  403     302     404   302
author.add_lesson_quiz     POST    login  403     302     404   302
author.delete_lesson       GET     login  403     200     404   200
author.delete_lesson       POST    login  403     200     404   200
author.quiz                GET     login  403     200     404   200
author.quiz                POST    login  403     422     404   422
author.delete_quiz         GET     login  403     200     404   200
author.delete_quiz         POST    login  403     200     404   200
author.preview_quiz        GET     login  403     200     404   200
author.preview_quiz        POST    login  403     200     404   200
author.new_question        GET     login  403     404     404   404
author.new_question        POST    login  403     404     404   404
author.edit_question       GET     login  403     200     404   200
author.edit_question       POST    login  403     400     404   400
author.move_question       POST    login  403     302     404   302
author.delete_question     GET     login  403     200     404   200
author.delete_question     POST    login  403     200     404   200
author.lesson_recordings   GET     login  403     200     404   200
author.lesson_recordings   POST    login  403     422     404   422
author.quiz_recordings     GET     login  403     200     404   200
author.quiz_recordings     POST    login  403     422     404   422
author.delete_recording    POST    login  403     302     404   302
reports.index              GET     login  403     200     200   200
reports.class_report       GET     login  403     200     404   200
reports.class_export       GET     login  403     200     404   200
reports.course_report      GET     login  403     200     200   200
reports.course_export      GET     login  403     200     200   200
reports.overview           GET     login  403     403     403   200
reports.overview_export    GET     login  403     403     403   200
certificates.mine          GET     login  200     200     200   200
certificates.for_course    GET     login  404     404     404   404
certificates.detail        GET     login  404     404     404   404   cert_id=victim_certificate
certificates.print_page    GET     login  404     404     404   404   cert_id=victim_certificate
certificates.image         GET     login  404     404     404   404   cert_id=victim_certificate
certificates.my_hours      GET     login  200     200     200   200
certificates.hours_export  GET     login  403     200     200   200
certificates.class_hours   GET     login  403     200     403   200
certificates.centre_hours  GET     login  403     200     403   200
certificates.verify        GET     200    200     200     200   200   code=certificate_code
certificates.class_certificates GET login 403    200     403   200
certificates.print_class   GET     login  403     200     403   200
certificates.revoke        GET     login  404     200     404   200   cert_id=victim_certificate
certificates.revoke        POST    login  404     422     404   422   cert_id=victim_certificate
"""


@dataclass(frozen=True)
class Expectation:
    endpoint: str
    method: str
    outcomes: dict[str, int | str]
    args: dict[str, str] = field(default_factory=dict)


def parse(text: str = TABLE) -> dict[tuple[str, str], Expectation]:
    """The table as {(endpoint, method): Expectation}; refuses duplicate or malformed lines."""
    table: dict[tuple[str, str], Expectation] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        if len(words) < 2 + len(ROLES):
            raise ValueError(f"access table line {number}: expected {2 + len(ROLES)} columns: {line!r}")
        endpoint, method = words[0], words[1].upper()
        outcomes = {role: (value if value == LOGIN else int(value))
                    for role, value in zip(ROLES, words[2:2 + len(ROLES)])}
        args = dict(word.split("=", 1) for word in words[2 + len(ROLES):])
        key = (endpoint, method)
        if key in table:
            raise ValueError(f"access table line {number}: {endpoint} {method} appears twice")
        table[key] = Expectation(endpoint, method, outcomes, args)
    return table


def summary() -> dict[str, dict[str, int]]:
    """How many routes give each outcome per role (for docs/security.md and closing notes)."""
    counts: dict[str, dict[str, int]] = {role: {} for role in ROLES}
    for expectation in parse().values():
        for role, outcome in expectation.outcomes.items():
            counts[role][str(outcome)] = counts[role].get(str(outcome), 0) + 1
    return counts


def markdown() -> str:
    """The table as Markdown, for docs/security.md: python -m training.access_table"""
    lines = ["| Route (endpoint) | Method | " + " | ".join(ROLES) + " |",
             "|---|---|" + "---|" * len(ROLES)]
    for e in parse().values():
        lines.append(f"| `{e.endpoint}` | {e.method} | " + " | ".join(str(e.outcomes[r]) for r in ROLES) + " |")
    counts = summary()
    lines += ["", "| Outcome | " + " | ".join(ROLES) + " |", "|---|" + "---|" * len(ROLES)]
    for outcome in sorted({o for c in counts.values() for o in c}):
        lines.append(f"| {outcome} | " + " | ".join(str(counts[r].get(outcome, 0)) for r in ROLES) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown())
