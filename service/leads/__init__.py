"""Field leads: merchants frontline workers found, invitations to apply, conversion."""
