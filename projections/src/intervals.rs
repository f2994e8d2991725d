//! Half-open time intervals in milliseconds and the set algebra the
//! availability rules need (SPEC §6.6.8-6.6.9): union, difference,
//! intersection, clipping and length.
//!
//! A *set* is a `Vec<Span>` sorted by start whose spans neither overlap nor
//! touch; every function here that returns a set returns it in that form,
//! so results are canonical and comparisons are plain equality.

/// A half-open interval `[from, to)` in milliseconds since the epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    /// Inclusive start.
    pub from: i64,
    /// Exclusive end.
    pub to: i64,
}

impl Span {
    /// `[from, to)`; empty when `to <= from`.
    pub const fn new(from: i64, to: i64) -> Span {
        Span { from, to }
    }

    /// Length in milliseconds (0 when empty).
    pub fn len(self) -> i64 {
        (self.to - self.from).max(0)
    }

    /// True when the span holds no instant.
    pub fn is_empty(self) -> bool {
        self.to <= self.from
    }
}

/// The union of any spans as a canonical set (overlapping and touching
/// spans merged, empty spans dropped).
pub fn union(mut spans: Vec<Span>) -> Vec<Span> {
    spans.retain(|s| !s.is_empty());
    spans.sort_unstable();
    let mut out: Vec<Span> = Vec::with_capacity(spans.len());
    for s in spans {
        match out.last_mut() {
            Some(last) if s.from <= last.to => last.to = last.to.max(s.to),
            _ => out.push(s),
        }
    }
    out
}

/// `a \ b` for canonical sets.
pub fn subtract(a: &[Span], b: &[Span]) -> Vec<Span> {
    let mut out = Vec::with_capacity(a.len());
    let mut j = 0;
    for &s in a {
        let mut from = s.from;
        while j < b.len() && b[j].to <= from {
            j += 1;
        }
        let mut k = j;
        while k < b.len() && b[k].from < s.to {
            if b[k].from > from {
                out.push(Span::new(from, b[k].from));
            }
            from = from.max(b[k].to);
            k += 1;
        }
        if from < s.to {
            out.push(Span::new(from, s.to));
        }
    }
    out
}

/// `a ∩ b` for canonical sets.
pub fn intersect(a: &[Span], b: &[Span]) -> Vec<Span> {
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < a.len() && j < b.len() {
        let from = a[i].from.max(b[j].from);
        let to = a[i].to.min(b[j].to);
        if from < to {
            out.push(Span::new(from, to));
        }
        if a[i].to < b[j].to {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

/// The parts of a canonical set inside `[lo, hi)`.
pub fn clip(a: &[Span], lo: i64, hi: i64) -> Vec<Span> {
    intersect(a, &[Span::new(lo, hi)])
}

/// Total length of a canonical set in milliseconds.
pub fn total(a: &[Span]) -> i64 {
    a.iter().map(|s| s.len()).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(a: i64, b: i64) -> Span {
        Span::new(a, b)
    }

    #[test]
    fn union_merges_overlapping_and_touching_spans_and_drops_empty_ones() {
        let u = union(vec![s(5, 7), s(0, 2), s(2, 3), s(6, 9), s(4, 4)]);
        assert_eq!(u, vec![s(0, 3), s(5, 9)]);
    }

    #[test]
    fn subtract_cuts_holes_and_edges() {
        let a = vec![s(0, 10), s(20, 30)];
        let b = vec![s(-5, 1), s(4, 6), s(9, 21), s(29, 40)];
        assert_eq!(subtract(&a, &b), vec![s(1, 4), s(6, 9), s(21, 29)]);
        assert_eq!(subtract(&a, &[]), a);
    }

    #[test]
    fn intersect_and_clip_keep_only_common_time() {
        let a = vec![s(0, 10), s(20, 30)];
        let b = vec![s(5, 25)];
        assert_eq!(intersect(&a, &b), vec![s(5, 10), s(20, 25)]);
        assert_eq!(clip(&a, 8, 22), vec![s(8, 10), s(20, 22)]);
        assert_eq!(total(&a), 20);
    }
}
