"""Why a scheduling attempt failed."""


class ScheduleError(Exception):
    """The attempt failed: Karmada keeps the previous result and reports this."""


class FitError(ScheduleError):
    """No cluster passed the filters: Karmada clears the result."""
