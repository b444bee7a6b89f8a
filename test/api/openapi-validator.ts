/**
 * @seriousme/openapi-schema-validator inside workerd. The validator reads its
 * OpenAPI 3.1 meta-schema from disk with node:fs, which workerd does not
 * have; so the same schema file is imported as a module, compiled with the
 * same Ajv class the validator uses, and handed to it. Everything else —
 * the schema check and the $ref check — is the validator's own.
 */
import { Validator } from "@seriousme/openapi-schema-validator";
import schema31 from "@seriousme/openapi-schema-validator/schemas/v3.1/schema.json";
import Ajv2020 from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";

const addFormats = (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;

export function openApi31Validator(): Validator {
	const validator = new Validator();
	// Options as the validator's own getAjvValidator sets them.
	const ajv = new Ajv2020({ strict: false });
	addFormats(ajv);
	ajv.addFormat("media-range", true);
	(validator as unknown as { ajvValidators: Record<string, unknown> }).ajvValidators["3.1"] = ajv.compile(schema31);
	return validator;
}
