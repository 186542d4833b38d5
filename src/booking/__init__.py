"""Online booking: the owner's embeds, appointment windows, the public booking request and images."""
