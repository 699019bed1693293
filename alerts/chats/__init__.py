"""A chat and what it owns: its watch rules (`watch`), its settings — pause, quiet hours,
time zone (`preferences`) —, its history and search (`history`), the rule trial behind
/test (`trial`), and a group's move to a supergroup (`moves`)."""
