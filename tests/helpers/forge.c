/* Signed envelopes altered for the tests (see forge.h). */
#include "tests/helpers/forge.h"

char *
forge_key_id(const char *env, json_t *kid)
{
	json_t *o = json_loads(env, 0, NULL);
	char *out;

	json_object_set_new(o, "key_id", kid);
	out = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	return out;
}
