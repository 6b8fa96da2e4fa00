//! The status page's chart: a robot's last 24 hours in 10-minute buckets, one line per kind
//! of count (`domain::tally`), drawn by the server as SVG — no script, no external font. Every
//! series carries its numbers (`data-kind`, `data-total`, `data-values`) for tests and for
//! whoever reads the page's source.

use crate::domain::tally::{BUCKET_MS, CHART_BUCKETS, Tally, TallyKind};
use chrono_tz::Tz;
use std::fmt::Write;

const WIDTH: f64 = 900.0;
const HEIGHT: f64 = 210.0;
const LEFT: f64 = 44.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 34.0;
const BOTTOM: f64 = 24.0;

/// A robot's counts of one kind, bucket by bucket, oldest first.
pub(super) struct Series {
    pub kind: TallyKind,
    pub values: Vec<i64>,
}

/// The label in the legend: Chinese first, as the rest of `/ui`.
fn label(kind: TallyKind) -> &'static str {
    match kind {
        TallyKind::In => "收到 in",
        TallyKind::Out => "发出 out",
        TallyKind::Held => "暂缓 held",
        TallyKind::Throttled => "限流 throttled",
        TallyKind::Dead => "死信 dead",
    }
}

fn color(kind: TallyKind) -> &'static str {
    match kind {
        TallyKind::In => "#2f6fdb",
        TallyKind::Out => "#1b7f3b",
        TallyKind::Held => "#8a8f98",
        TallyKind::Throttled => "#d98300",
        TallyKind::Dead => "#c0142b",
    }
}

/// `robot`'s five series from the store's rows, the chart's buckets starting at `start`.
pub(super) fn series_of(tallies: &[Tally], robot: &str, start: i64) -> Vec<Series> {
    TallyKind::ALL
        .into_iter()
        .map(|kind| {
            let mut values = vec![0; CHART_BUCKETS as usize];
            for t in tallies
                .iter()
                .filter(|t| t.robot == robot && t.kind == kind)
            {
                let i = (t.bucket - start).div_euclid(BUCKET_MS);
                if let Some(v) = usize::try_from(i).ok().and_then(|i| values.get_mut(i)) {
                    *v += t.n;
                }
            }
            Series { kind, values }
        })
        .collect()
}

/// Text for an SVG element or attribute.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn x_of(i: usize) -> f64 {
    LEFT + (WIDTH - LEFT - RIGHT) * i as f64 / (CHART_BUCKETS - 1) as f64
}

/// The buckets that get a time on the axis: those at a whole hour divisible by four, in the
/// zone of the page; every 24th bucket where the zone's offset has no whole hours.
fn ticks(start: i64, tz: Tz) -> Vec<(usize, String)> {
    let local = |i: usize| {
        chrono::DateTime::from_timestamp_millis(start + i as i64 * BUCKET_MS)
            .map(|t| t.with_timezone(&tz).naive_local())
    };
    let whole: Vec<_> = (0..CHART_BUCKETS as usize)
        .filter_map(|i| local(i).map(|t| (i, t)))
        .filter(|(_, t)| {
            use chrono::Timelike;
            t.minute() == 0 && t.hour() % 4 == 0
        })
        .map(|(i, t)| (i, t.format("%H:%M").to_string()))
        .collect();
    if !whole.is_empty() {
        return whole;
    }
    (0..CHART_BUCKETS as usize)
        .step_by(24)
        .filter_map(|i| local(i).map(|t| (i, t.format("%H:%M").to_string())))
        .collect()
}

/// The SVG of one robot's chart.
pub(super) fn svg(robot: &str, series: &[Series], start: i64, tz: Tz) -> String {
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .max()
        .unwrap_or(0)
        .max(1);
    let plot_h = HEIGHT - TOP - BOTTOM;
    let y_of = |v: i64| TOP + plot_h - plot_h * v as f64 / max as f64;
    let robot = escape(robot);
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" data-robot="{robot}" data-start="{start}" data-bucket-ms="{BUCKET_MS}" data-max="{max}" font-family="-apple-system, 'PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC', sans-serif" font-size="11"><title>{robot}: 24 h, 10 min</title>"#
    );
    // Grid: the top (the largest count), the middle and the base line.
    let mut grid = vec![max, max / 2, 0];
    grid.dedup();
    for v in grid {
        let y = y_of(v);
        let _ = write!(
            out,
            r##"<line class="grid" x1="{LEFT}" x2="{x2}" y1="{y:.1}" y2="{y:.1}" stroke="#e3e6ea"/><text x="{tx}" y="{ty:.1}" text-anchor="end" fill="#666">{v}</text>"##,
            x2 = WIDTH - RIGHT,
            tx = LEFT - 6.0,
            ty = y + 4.0,
        );
    }
    for (i, text) in ticks(start, tz) {
        let x = x_of(i);
        let _ = write!(
            out,
            r##"<line class="tick" x1="{x:.1}" x2="{x:.1}" y1="{TOP}" y2="{y2}" stroke="#f0f2f5"/><text class="time" x="{x:.1}" y="{ty}" text-anchor="middle" fill="#666">{text}</text>"##,
            y2 = HEIGHT - BOTTOM,
            ty = HEIGHT - 6.0,
        );
    }
    // Alerts in as a filled area; the others as lines over it (dead last, on top), with a dot
    // on every bucket that counted something, so a single busy bucket shows.
    let base = y_of(0);
    for s in series.iter() {
        let values: Vec<String> = s.values.iter().map(i64::to_string).collect();
        let total: i64 = s.values.iter().sum();
        let (kind, color) = (s.kind.as_str(), color(s.kind));
        let _ = write!(
            out,
            r#"<g class="series series-{kind}" data-kind="{kind}" data-total="{total}" data-values="{values}"><title>{label}: {total}</title>"#,
            values = values.join(","),
            label = label(s.kind),
        );
        let points: Vec<String> = s
            .values
            .iter()
            .enumerate()
            .map(|(i, v)| format!("{:.1},{:.1}", x_of(i), y_of(*v)))
            .collect();
        if total == 0 {
            // Nothing to draw: the line would only cover the others' base line.
        } else if s.kind == TallyKind::In {
            let _ = write!(
                out,
                r#"<polygon points="{first:.1},{base:.1} {points} {last:.1},{base:.1}" fill="{color}" fill-opacity="0.18" stroke="{color}" stroke-width="1"/>"#,
                first = x_of(0),
                last = x_of(s.values.len().saturating_sub(1)),
                points = points.join(" "),
            );
        } else {
            let _ = write!(
                out,
                r#"<polyline points="{points}" fill="none" stroke="{color}" stroke-width="1.6" stroke-linejoin="round"/>"#,
                points = points.join(" "),
            );
        }
        for (i, v) in s.values.iter().enumerate().filter(|(_, v)| **v > 0) {
            let _ = write!(
                out,
                r#"<circle cx="{x:.1}" cy="{y:.1}" r="2.5" fill="{color}"/>"#,
                x = x_of(i),
                y = y_of(*v),
            );
        }
        out.push_str("</g>");
    }
    out.push_str(r#"<g class="legend">"#);
    let mut x = LEFT;
    for s in series {
        let total: i64 = s.values.iter().sum();
        let text = format!("{} {total}", label(s.kind));
        let _ = write!(
            out,
            r##"<g class="legend-item" data-kind="{kind}"><rect x="{x:.1}" y="10" width="12" height="12" rx="2" fill="{color}"/><text x="{tx:.1}" y="20" fill="#222">{text}</text></g>"##,
            kind = s.kind.as_str(),
            color = color(s.kind),
            tx = x + 16.0,
        );
        // Wide enough for the label and a four-digit count; a CJK character is about 11 px.
        x += 16.0 + 7.0 * text.chars().count() as f64 + 12.0;
    }
    out.push_str("</g></svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_land_in_their_bucket_and_the_svg_carries_them() {
        let start = 1_765_000_200_000 / BUCKET_MS * BUCKET_MS;
        let tallies = vec![
            Tally {
                robot: "ops".into(),
                kind: TallyKind::In,
                bucket: start + 3 * BUCKET_MS,
                n: 4,
            },
            Tally {
                robot: "ops".into(),
                kind: TallyKind::Dead,
                bucket: start + (CHART_BUCKETS - 1) * BUCKET_MS,
                n: 1,
            },
            Tally {
                robot: "ops".into(),
                kind: TallyKind::In,
                bucket: start - BUCKET_MS,
                n: 9,
            },
            Tally {
                robot: "other".into(),
                kind: TallyKind::In,
                bucket: start,
                n: 5,
            },
        ];
        let series = series_of(&tallies, "ops", start);
        assert_eq!(series.len(), 5);
        assert_eq!(series[0].values.iter().sum::<i64>(), 4);
        assert_eq!(series[0].values[3], 4);
        assert_eq!(series[4].values.last(), Some(&1));
        let svg = svg("ops <&>", &series, start, chrono_tz::Asia::Shanghai);
        assert!(svg.contains(r#"data-kind="in" data-total="4""#), "{svg}");
        assert!(svg.contains(r#"data-kind="dead" data-total="1""#));
        assert!(svg.contains("死信 dead") && svg.contains("收到 in 4"));
        assert!(svg.contains("data-robot=\"ops &lt;&amp;&gt;\""));
        assert!(svg.contains(">00:00<") || svg.contains(">04:00<"), "{svg}");
    }
}
