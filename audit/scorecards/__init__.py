"""The scorecard builder: write, preview, publish and version scorecards in the browser."""
