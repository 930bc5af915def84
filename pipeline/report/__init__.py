"""Report room: charts, HTML and exports from the marts; computes no statistic."""
