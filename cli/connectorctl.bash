# bash completion for connectorctl(1): commands, their options, zone names
# for --tz, and task names from connector-mock's control API (mock tasks)
# when it answers.

_connectorctl_tasks()
{
	connectorctl "${globals[@]}" mock tasks 2>/dev/null | awk 'NR > 1 { print $3 }'
}

_connectorctl()
{
	local cur prev words cword
	_init_completion -n := || return

	local globals=() command="" sub="" i
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		--cm | --token | --timeout | --retries)
			globals+=("${words[i]}" "${words[i + 1]}")
			((i++))
			;;
		-*) ;;
		*)
			if [[ -z $command ]]; then
				command=${words[i]}
			elif [[ -z $sub ]]; then
				sub=${words[i]}
			fi
			;;
		esac
	done

	case $prev in
	--tz)
		local dir=${TZDIR:-/usr/share/zoneinfo}
		COMPREPLY=($(compgen -W "$(cd "$dir" 2>/dev/null && find . -type f |
			sed 's|^\./||' | grep -E '^[A-Z][A-Za-z_]+(/[A-Za-z0-9_+-]+)*$')" -- "$cur"))
		return
		;;
	--body)
		_filedir
		return
		;;
	--state)
		COMPREPLY=($(compgen -W "CREATED RUNNING STOPPED ABNORMAL FINISHED" -- "$cur"))
		return
		;;
	--op)
		COMPREPLY=($(compgen -W "resume stop update migrate delete '*'" -- "$cur"))
		return
		;;
	--type)
		if [[ $command == mock && $sub == fault ]]; then
			COMPREPLY=($(compgen -W "error status delay drop hang lost_ack" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "incr_trans full_trans" -- "$cur"))
		fi
		return
		;;
	--then)
		COMPREPLY=($(compgen -W "drop error status" -- "$cur"))
		return
		;;
	--cm | --token | --timeout | --retries | --ip | --set | --delete | --to | --subtopic | \
		--limit | --after | --times | --probability | --seed | --ttl-ms | --err-code | \
		--err-msg | --http-status | --ms | --spec | --advance | --task)
		return
		;;
	esac

	local global_options="--cm --json --timeout --retries --token --help"
	if [[ -z $command ]]; then
		COMPREPLY=($(compgen -W "resume stop delete migrate update pullback mock $global_options" -- "$cur"))
		return
	fi
	local options=""
	case $command in
	resume) options="--pull-back --restart" ;;
	migrate) options="--ip" ;;
	update) options="--delete --set --body" ;;
	pullback) options="--to --tz --subtopic --dry-run" ;;
	mock)
		if [[ -z $sub ]]; then
			COMPREPLY=($(compgen -W "tasks task journal fault clock snapshot reset ns" -- "$cur"))
			return
		fi
		case $sub in
		tasks) options="--state --type" ;;
		journal) options="--task --op --limit" ;;
		fault) options="add list clear --op --task --after --times --probability --seed --ttl-ms
			--type --then --err-code --err-msg --retryable --http-status --body --ms --spec" ;;
		clock) options="--freeze --unfreeze --advance --set --tz" ;;
		snapshot) options="save restore delete list" ;;
		ns) options="list delete" ;;
		esac
		;;
	esac
	if [[ $cur == -* || $command == mock ]]; then
		COMPREPLY=($(compgen -W "$options $global_options" -- "$cur"))
	else
		COMPREPLY=($(compgen -W "$(_connectorctl_tasks)" -- "$cur"))
		__ltrim_colon_completions "$cur"
	fi
}
complete -F _connectorctl connectorctl
