"""Operations: the automations that alert by business impact, and the demo's alert receiver."""
