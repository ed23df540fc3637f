"""What AWS itself does around moto's resources: Cognito's codes and triggers, API Gateway's stage URLs, Lambda's runtime."""
