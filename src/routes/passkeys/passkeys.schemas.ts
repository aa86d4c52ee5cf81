import { z } from '@hono/zod-openapi';
import { ReauthPasswordField } from '../../http/schemas';
import { CreationOptionsSchema, RegistrationResponseSchema } from '../../http/webauthn-schemas';

// Strict objects: unknown fields are refused with 422 (security.md "Errors, logging, input").

const NameField = z.string().trim().min(1).max(64).openapi({ example: 'MacBook Touch ID' });

export const PasskeyIdParamSchema = z.object({
  passkey_id: z.uuid().openapi({ param: { name: 'passkey_id', in: 'path' } }),
});

export const RegisterOptionsRequestSchema = z
  .strictObject({ password: ReauthPasswordField })
  .openapi('PasskeyRegisterOptionsRequest');

export const RegisterOptionsSchema = z
  .object({ options: CreationOptionsSchema })
  .openapi('PasskeyRegisterOptions');

export const RegisterVerifySchema = z
  .strictObject({ response: RegistrationResponseSchema, name: NameField.optional() })
  .openapi('PasskeyRegisterVerifyRequest');

const DeviceType = z.enum(['singleDevice', 'multiDevice']).openapi({
  description: 'multiDevice: a synced passkey; singleDevice: bound to one authenticator',
});

export const PasskeyCreatedSchema = z
  .object({
    passkey_id: z.string(),
    name: z.string(),
    created_at: z.string().openapi({ format: 'date-time' }),
    backed_up: z.boolean(),
    device_type: DeviceType,
  })
  .openapi('PasskeyCreated');

export const PasskeyListSchema = z
  .object({
    items: z.array(
      z.object({
        passkey_id: z.string(),
        name: z.string(),
        created_at: z.string().openapi({ format: 'date-time' }),
        last_used_at: z.string().nullable().openapi({ format: 'date-time' }),
        backed_up: z.boolean(),
        device_type: DeviceType,
        transports: z.array(z.string()),
      }),
    ),
  })
  .openapi('PasskeyList');

export const RenamePasskeySchema = z.strictObject({ name: NameField }).openapi('RenamePasskey');

export const RenamedPasskeySchema = z
  .object({ passkey_id: z.string(), name: z.string() })
  .openapi('RenamedPasskey');

export const DeletePasskeySchema = z
  .strictObject({ password: ReauthPasswordField })
  .openapi('DeletePasskey');
