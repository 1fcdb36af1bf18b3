"""Pure petition rules: lifecycle table, time limits, 诉访分离 rules, repeated petitions, coordination record."""
