"""家人代办 and 交接码: acting for family members, handing records over, and the limit on
attempts to reach someone else's record."""
