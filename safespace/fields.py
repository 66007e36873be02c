"""Encrypted model fields that fail loudly.

django-encrypted-model-fields returns the ciphertext itself when a value does
not decrypt (a wrong or missing key), and then re-encrypts that ciphertext on
the next save, silently destroying the data. These subclasses decrypt with the
project's keys and raise ``DecryptionError`` instead.
"""

from encrypted_model_fields.fields import (
    EncryptedCharField,
    EncryptedMixin,
    EncryptedTextField,
)

from safespace.crypto import decrypt_text, encrypt_text


class StrictEncryptionMixin:
    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        return super(EncryptedMixin, self).to_python(decrypt_text(value))

    def to_python(self, value):
        # values reaching here come from forms and code, in clear: never guess-decrypt them
        return super(EncryptedMixin, self).to_python(value)

    def get_db_prep_save(self, value, connection):
        value = super(EncryptedMixin, self).get_db_prep_save(value, connection)
        if value is None:
            return None
        return encrypt_text(str(value))


class StrictEncryptedCharField(StrictEncryptionMixin, EncryptedCharField):
    pass


class StrictEncryptedTextField(StrictEncryptionMixin, EncryptedTextField):
    pass
