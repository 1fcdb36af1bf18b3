"""Petitions (信访) under the 信访工作条例: classes, calendar-day limits, 诉访分离, political-legal coordination."""
