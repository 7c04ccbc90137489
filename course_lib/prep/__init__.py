"""Layer 2, preparation: splits, sessions, vocabularies, sequences, daily series."""
from course_lib.prep.sequences import (ItemVocab, left_pad, prefix_targets, session_sequences,
                                       sessions_to_arrays)
from course_lib.prep.series import daily_series, trading_days, zero_runs
from course_lib.prep.sessions import session_lengths, sessionise
from course_lib.prep.split import cut_before_last_days, time_split, train_valid_test

__all__ = ["ItemVocab", "cut_before_last_days", "daily_series", "left_pad", "prefix_targets",
           "session_lengths", "session_sequences", "sessionise", "sessions_to_arrays",
           "time_split", "trading_days", "train_valid_test", "zero_runs"]
