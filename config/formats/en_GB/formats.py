# Django's en_GB formats, with the time zone named wherever a time is shown: the
# admin's lists and history, and every template that uses the default formats.
DATETIME_FORMAT = "j M Y, H:i T"
SHORT_DATETIME_FORMAT = "d/m/Y H:i T"
TIME_FORMAT = "H:i T"
