"""HTTP values, transports and drivers. Flows never import anything below this package."""
