"""The soak command's measure: a short soak counts exactly, logs every rep, and leaks nothing."""

from device.soak import soak


def test_a_short_soak_counts_exactly_and_leaks_no_thread_or_file(tmp_path):
    r = soak(0.15, fps=10, folder=tmp_path, scenarios=("mixed",), seeds=(0,))
    assert r.sets >= 4 and r.reps > 0
    assert r.counted == r.expected_counted  # several people in a row: no count carried over
    assert r.logged_reps == r.reps  # every rep reached the session log
    assert r.threads_end <= r.threads_start and r.fds_end <= r.fds_start
    assert r.ok
