// Tests run without a developer's .env: every suite builds its own configuration.
process.env.TZ = 'UTC';
