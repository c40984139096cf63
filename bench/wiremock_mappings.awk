# wiremock_mappings.awk — WireMock stub mappings for stop/resume cycling.
#
# Input: task names, one a line. Output: one WireMock mappings file
# {"mappings":[...]} with, per task, a scenario of two states: "Started"
# (the task is STOPPED, as in the database the mock starts from) and
# "RUNNING", and four stubs:
#   resume in Started -> success envelope, scenario -> RUNNING
#   stop   in RUNNING -> success envelope, scenario -> Started
#   resume in RUNNING -> ILLEGAL_STATE (as connector-mock answers it)
#   stop   in Started -> ILLEGAL_STATE
# Each stub matches the request exactly: by default (-v match_mode=url) the
# whole URL as bench/lua/stop_resume.lua sends it (taskName URL-encoded,
# ':' as %3A), a plain string comparison and WireMock's cheapest matcher;
# with -v match_mode=query the path and the decoded taskName query
# parameter (urlPath + queryParameters equalTo), the way a test would
# usually write it, and slower. Either way each stub answers the OMS envelope with the taskName in "result", so the same wrk
# script (bench/lua/stop_resume.lua) counts wrong answers the same way.

function success(name) {
	return "{\\\"errCode\\\":null,\\\"errMsg\\\":null,\\\"errorDetail\\\":null,\\\"isSuccess\\\":true,\\\"result\\\":\\\"" name "\\\",\\\"retryable\\\":null}"
}

function illegal(op, name, state, allowed,    msg) {
	msg = "cannot " op " task " name ": it is " state
	return "{\\\"errCode\\\":\\\"ILLEGAL_STATE\\\",\\\"errMsg\\\":\\\"" msg "\\\",\\\"errorDetail\\\":{\\\"code\\\":\\\"ILLEGAL_STATE\\\",\\\"level\\\":\\\"ERROR\\\",\\\"message\\\":\\\"" msg "\\\",\\\"reason\\\":\\\"the task is " state "\\\",\\\"proposal\\\":\\\"Check the task state first.\\\",\\\"extraContext\\\":{\\\"taskName\\\":\\\"" name "\\\",\\\"state\\\":\\\"" state "\\\",\\\"componentType\\\":\\\"incr_trans\\\",\\\"allowedStates\\\":[" allowed "]}},\\\"isSuccess\\\":false,\\\"result\\\":null,\\\"retryable\\\":false}"
}

function stub(scenario, required, newstate, op, name, body) {
	if (count++)
		printf ",\n"
	printf "{\"scenarioName\":\"%s\",\"requiredScenarioState\":\"%s\",", scenario, required
	if (newstate != "")
		printf "\"newScenarioState\":\"%s\",", newstate
	if (match_mode == "query") {
		printf "\"request\":{\"method\":\"POST\",\"urlPath\":\"/connector/task/v2/%s\",", op
		printf "\"queryParameters\":{\"taskName\":{\"equalTo\":\"%s\"}}},", name
	} else {
		encoded = name
		gsub(/:/, "%3A", encoded)
		printf "\"request\":{\"method\":\"POST\",\"url\":\"/connector/task/v2/%s?taskName=%s\"},", op, encoded
	}
	printf "\"response\":{\"status\":200,\"headers\":{\"Content-Type\":\"application/json\"},"
	printf "\"body\":\"%s\"}}", body
}

BEGIN { printf "{\"mappings\":[\n" }

NF {
	name = $0
	scenario = "task-" NR
	stub(scenario, "Started", "RUNNING", "resume", name, success(name))
	stub(scenario, "RUNNING", "Started", "stop", name, success(name))
	stub(scenario, "RUNNING", "", "resume", name,
	     illegal("resume", name, "RUNNING", "\\\"STOPPED\\\",\\\"ABNORMAL\\\""))
	stub(scenario, "Started", "", "stop", name,
	     illegal("stop", name, "STOPPED", "\\\"RUNNING\\\",\\\"ABNORMAL\\\""))
}

END { printf "\n]}\n" }
