"""Wilson score intervals for accuracies: a test set of a few hundred questions leaves an accuracy
uncertain by several points, and every table and figure says by how much. Wilson's interval, not the
normal one, because it stays inside [0, 100] and behaves at 0 or all correct."""
import math

Z_95 = 1.959963984540054  # the standard normal's 97.5% quantile


def wilson_interval(correct, total, z=Z_95):
    """(low %, high %) of the 95% Wilson score interval for `correct` of `total`; (nan, nan) when total is 0."""
    if total <= 0:
        return float("nan"), float("nan")
    if not 0 <= correct <= total:
        raise ValueError(f"wilson_interval: {correct} correct of {total}")
    p = correct / total
    z2 = z * z
    centre = (p + z2 / (2 * total)) / (1 + z2 / total)
    half = z * math.sqrt(p * (1 - p) / total + z2 / (4 * total * total)) / (1 + z2 / total)
    return 100.0 * max(0.0, centre - half), 100.0 * min(1.0, centre + half)


def interval_text(correct, total):
    """'37.6 [33.4, 42.0]': accuracy % and its 95% Wilson interval."""
    low, high = wilson_interval(correct, total)
    return f"{100.0 * correct / total:.1f} [{low:.1f}, {high:.1f}]" if total else "-"
