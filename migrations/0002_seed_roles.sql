-- The global roles of api.md, with resource:action permissions (`*` is a wildcard).
INSERT INTO `roles` (`name`, `description`, `created_at`) VALUES
  ('admin', 'Full access, including the admin routes', cast(unixepoch('subsec') * 1000 as integer)),
  ('user', 'Default role of every account', cast(unixepoch('subsec') * 1000 as integer)),
  ('view', 'Read-only access', cast(unixepoch('subsec') * 1000 as integer));
--> statement-breakpoint
INSERT INTO `role_permissions` (`role`, `permission`) VALUES
  ('admin', '*:*'),
  ('user', 'dashboards:read'),
  ('user', 'dashboards:execute'),
  ('user', 'etl_jobs:read'),
  ('user', 'etl_jobs:execute'),
  ('user', 'analytics:read'),
  ('view', 'dashboards:read'),
  ('view', 'etl_jobs:read'),
  ('view', 'analytics:read');
