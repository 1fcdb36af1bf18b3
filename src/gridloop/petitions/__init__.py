"""Petitions (信访) under the 信访工作条例: classes, calendar-day time limits, 诉访分离, coordination with political-legal units."""
