"""Encrypted model fields that fail loudly.

django-encrypted-model-fields returns the ciphertext itself when a value does
not decrypt (a wrong or missing key), and then re-encrypts that ciphertext on
the next save, silently destroying the data. These subclasses decrypt with the
project's keys and raise ``DecryptionError`` instead.
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connection
from django.utils.functional import cached_property
from encrypted_model_fields.fields import (
    EncryptedCharField,
    EncryptedDateField,
    EncryptedEmailField,
    EncryptedIntegerField,
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
        # the Python value, not the backend's adaptation: the column is text, whatever the
        # type (on PostgreSQL an integer would otherwise be "adapted" as a TextField: KeyError)
        value = self.get_prep_value(value)
        if value is None:
            return None
        return encrypt_text(str(value))


class StrictEncryptedCharField(StrictEncryptionMixin, EncryptedCharField):
    pass


class StrictEncryptedTextField(StrictEncryptionMixin, EncryptedTextField):
    pass


class StrictEncryptedDateField(StrictEncryptionMixin, EncryptedDateField):
    pass


class StrictEncryptedEmailField(StrictEncryptionMixin, EncryptedEmailField):
    pass


class StrictEncryptedIntegerField(StrictEncryptionMixin, EncryptedIntegerField):
    @cached_property
    def validators(self):
        # the library derives the range from its own class name, which ours breaks
        low, high = connection.ops.integer_field_range("IntegerField")
        limits = []
        if low is not None:
            limits.append(MinValueValidator(low))
        if high is not None:
            limits.append(MaxValueValidator(high))
        return [*self.default_validators, *self._validators, *limits]
