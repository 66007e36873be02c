from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """No public sign-up: coordinators create staff accounts, workers invite participants."""

    def is_open_for_signup(self, request) -> bool:
        return False
