"""Following a story over time: timelines of its developments and watches that post new reports."""
