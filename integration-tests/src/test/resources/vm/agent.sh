# Guest agent for KernelVm: runs the command files the test drops into this folder, in order, one at a time.
# N.cmd -> N.out (stdout and stderr) and N.rc (exit status, written last); a file named "stop" ends the agent.
cd /run/locus-share
n=0
touch ready
while [ ! -f stop ]; do
  if [ -f "$n.cmd" ]; then
    bash "$n.cmd" > "$n.out" 2>&1 < /dev/null
    echo $? > "$n.rc.tmp"
    mv "$n.rc.tmp" "$n.rc"
    n=$((n + 1))
  else
    sleep 0.05
  fi
done
