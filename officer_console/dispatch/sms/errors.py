"""The SMS configuration error; defined with the SMS text rules in the domain
(:mod:`officer_console.domain.sms_text`), named here for the providers."""

from officer_console.domain.sms_text import SmsError

__all__ = ["SmsError"]
