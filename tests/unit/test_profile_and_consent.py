"""Profile edits and privacy consent, asked of the services directly (no request, no form)."""
import pytest

from training.extensions import db
from training.services.accounts import accounts, privacy
from training.services.accounts.accounts import ProfileDetails


def test_update_profile_tidies_details(learner):
    """Blank means "not given"; places are trimmed; name and language stay when not sent (staff edits)."""
    name, language = learner.display_name, learner.language
    accounts.update_profile(learner, ProfileDetails(gender="f", birth_year=1970,
                                                    township="  Anding  ", village=" "))
    assert (learner.gender, learner.birth_year, learner.township, learner.village) == ("f", 1970, "Anding", None)
    assert (learner.display_name, learner.language) == (name, language)


def test_update_profile_clears_and_renames(learner):
    """A person editing their own profile may clear details and rename themselves."""
    accounts.update_profile(learner, ProfileDetails(gender="m", birth_year=1980, township="A", village="B"))
    accounts.update_profile(learner, ProfileDetails(gender="", display_name="  Wang   Wu ", language="zh_CN"))
    assert (learner.gender, learner.birth_year, learner.township, learner.village) == (None, None, None, None)
    assert (learner.display_name, learner.language) == ("Wang Wu", "zh_CN")


@pytest.mark.parametrize("details, field", [
    (ProfileDetails(gender="x"), "gender"),
    (ProfileDetails(display_name="   "), "display_name"),
])
def test_update_profile_refuses_bad_values(learner, details, field):
    """An unknown gender or an empty name is refused, naming the field."""
    with pytest.raises(accounts.AccountError) as refused:
        accounts.update_profile(learner, details)
    assert refused.value.args[0] == field


def test_consent_is_recorded_once(factory):
    """Staff-made accounts need consent at the first password change; the first time is kept."""
    person = factory.user("learner", must_change_password=True)
    assert privacy.needs_consent(person)
    privacy.record_consent(db.session, person)
    first = person.privacy_consent_at
    assert first is not None and not privacy.needs_consent(person)
    privacy.record_consent(db.session, person)
    assert person.privacy_consent_at == first


def test_self_registered_accounts_need_no_consent_step(learner):
    """Without a one-time password there is no forced change, so no consent step."""
    assert not privacy.needs_consent(learner)
