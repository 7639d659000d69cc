"""Results of campaigns: the aggregated funnel and breakdowns, the PDF report, and the
operator's regional comparison."""
