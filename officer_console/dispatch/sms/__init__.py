"""SMS providers behind one interface (:class:`~officer_console.dispatch.sms.base.SmsProvider`)."""
