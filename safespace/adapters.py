from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter

from safespace.crypto import decrypt_text, encrypt_text


class AccountAdapter(DefaultAccountAdapter):
    """No public sign-up: coordinators create staff accounts, workers invite participants."""

    def is_open_for_signup(self, request) -> bool:
        return False


class MFAAdapter(DefaultMFAAdapter):
    """TOTP secrets and recovery seeds are encrypted at rest with FIELD_ENCRYPTION_KEYS."""

    def encrypt(self, text: str) -> str:
        return encrypt_text(text)

    def decrypt(self, encrypted_text: str) -> str:
        return decrypt_text(encrypted_text)
