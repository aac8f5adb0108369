"""Checks of live hosts against the spine: pure functions over a HostView and the Spine, returning findings.

A HostView fetches lazily (through the probe), so a check asks only for the facts
it needs: a host whose crontab already schedules every pool is never asked for
its timers.
"""
