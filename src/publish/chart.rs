//! A small inline SVG bar chart: matching articles per day, last 30 days.
//! No script, no external asset; colours follow the page's text colour.

/// Renders `counts` (oldest day first) as an SVG bar chart.
pub(super) fn per_day_svg(counts: &[u32], label: &str) -> String {
    let width = 300.0_f64;
    let height = 48.0_f64;
    let max = counts.iter().copied().max().unwrap_or(0).max(1) as f64;
    let slot = width / counts.len().max(1) as f64;
    let mut bars = String::new();
    for (i, n) in counts.iter().enumerate() {
        if *n == 0 {
            continue;
        }
        let h = (f64::from(*n) / max * (height - 2.0)).max(1.0);
        bars.push_str(&format!(
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\"><title>{n}</title></rect>",
            i as f64 * slot + 0.5,
            height - h,
            (slot - 1.0).max(1.0),
            h
        ));
    }
    let total: u32 = counts.iter().sum();
    format!(
        "<svg class=\"chart\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"{}\"><title>{}</title><line x1=\"0\" y1=\"{height}\" x2=\"{width}\" y2=\"{height}\" /> {bars}</svg>",
        html_escape::encode_double_quoted_attribute(&format!(
            "{label}: {total} articles in 30 days"
        )),
        html_escape::encode_text(&format!("{label}: {total} articles in 30 days"))
    )
}

#[cfg(test)]
mod tests {
    use super::per_day_svg;

    #[test]
    fn one_bar_per_non_empty_day() {
        let mut counts = vec![0u32; 30];
        counts[3] = 2;
        counts[29] = 4;
        let svg = per_day_svg(&counts, "Topic");
        assert_eq!(svg.matches("<rect").count(), 2);
        assert!(svg.contains("6 articles in 30 days"));
    }
}
