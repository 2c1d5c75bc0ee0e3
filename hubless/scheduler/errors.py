"""Why a scheduling attempt failed."""


class ScheduleError(Exception):
    """The attempt failed: Karmada keeps the previous result and reports this."""
