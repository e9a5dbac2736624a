"""The exit codes of every command, named once."""

from enum import IntEnum


class Exit(IntEnum):
    OK = 0
    CHECK_FAILED = 1       # check: a trigger does not answer as it should; or not confirmed
    REFUSED = 2            # refused or failed before anything was changed
    SWITCHED_BACK = 3      # failed after the switch; the pool calls the originals again (checked)
    SWITCH_BACK_FAILED = 4  # failed, and switching back failed too: the record is kept for rollback
