"""``python -m planner``: the same command as ``planner``, for machines where the script
directory is not on PATH (a council laptop's user install)."""

from planner.entry import main

main()
